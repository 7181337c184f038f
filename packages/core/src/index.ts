/**
 * The public surface of @nfw-flows/core, and nothing else: stream factories, their sync or iterable
 * forms, parsers, serializers, schema v1's constants, NfwError and the types. The engines these are
 * built on are at @nfw-flows/core/engine (engine.ts). A test pins both lists, so growth is deliberate.
 */
export { isNfwError, NFW_ERROR_CODES, NfwError, type NfwErrorCode, type NfwErrorContext } from './errors.js';
export { normalizeFlow } from './normalize/index.js';
export { parseAddress, parsePortRange, parseProtocol } from './parse/index.js';
export {
  type ArrowTransform,
  type CellValue,
  encodeArrow,
  encodeCsv,
  encodeNdjson,
  FLOW_COLUMNS,
  METADATA_KEYS,
  type MetadataInput,
  NFW_FLOWS_VERSION,
  type ParquetCompression,
  type ParquetTransform,
  SCHEMA_VERSION,
  type ToArrowOptions,
  type ToCsvOptions,
  type ToNdjsonOptions,
  type ToParquetOptions,
  toArrow,
  toCsv,
  toNdjson,
  toParquet,
} from './serialize/index.js';
export {
  type CaptureFlowsOptions,
  type CaptureFlowsStream,
  type CaptureFlowsSummary,
  type CaptureFlowsWarning,
  captureFlows,
  type DiscoverOptions,
  discoverScopes,
  type FileProvenance,
  type FirewallRef,
  type FleetDiscoveryFailure,
  type FleetScope,
  type FleetScopeKind,
  type FlowResultsFromFileOptions,
  type FlowResultsInput,
  type FlowResultsOptions,
  type FlowResultsStream,
  type FlowResultsSummary,
  type FlowResultsWarning,
  flowResults,
  flowResultsFromFile,
  type PageInfo,
  type RetryInfo,
  type RetryOptions,
  type ScopeStatus,
  startFlowCapture,
} from './source/index.js';
export {
  type AddressMask,
  type FilterLeaf,
  type FilterOptions,
  filter,
  filterRecords,
  type GroupByOptions,
  groupBy,
  groupByRows,
  type KeyName,
  type KeyOption,
  type MaskOption,
  type PortOption,
  type TopKey,
  type TopMetric,
  type TopTalkersOptions,
  topTalkers,
  topTalkersRows,
} from './transform/index.js';
export type * from './types.js';
