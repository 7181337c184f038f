// Serializers (a Transform each, plus a one-shot generator where one is useful) and schema v1's constants.
export { type CellValue, FLOW_COLUMNS } from './flow-columns.js';
export { METADATA_KEYS, type MetadataInput, NFW_FLOWS_VERSION, SCHEMA_VERSION } from './schema.js';
export { type ArrowTransform, encodeArrow, type ToArrowOptions, toArrow } from './to-arrow.js';
export { encodeCsv, type ToCsvOptions, toCsv } from './to-csv.js';
export { encodeNdjson, type ToNdjsonOptions, toNdjson } from './to-ndjson.js';
export {
  type ParquetCompression,
  type ParquetTransform,
  type ToParquetOptions,
  toParquet,
} from './to-parquet.js';
