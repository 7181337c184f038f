// Parsers for the text fields of a flow: AddressDefinition, ports, protocol.
export { parseAddress } from './address.js';
export { parsePortRange } from './port-range.js';
export { parseProtocol } from './protocol.js';
