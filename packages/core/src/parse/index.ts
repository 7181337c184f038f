// Parsers for the text fields of a flow: AddressDefinition, ports, protocol.
export { addressContains, formatAddress, maskAddress, parseAddress } from './address.js';
export { parsePortRange } from './port-range.js';
export { PROTOCOLS, parseProtocol, protocolByKeyword, protocolByNumber } from './protocol.js';
