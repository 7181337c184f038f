export {
  type BatchBuilder,
  type BatchBuilderOptions,
  createBatchBuilder,
  DEFAULT_BATCH_SIZE,
  DEFAULT_ROW_GROUP_SIZE,
} from './batch-builder.js';
export { type CellValue, FLOW_COLUMNS, FLOW_GETTERS } from './flow-columns.js';
export { createIpcWriter, type IpcFormat, type IpcWriter } from './ipc-writer.js';
export {
  arrowType,
  buildMetadata,
  columnsSchema,
  flowSchema,
  METADATA_KEYS,
  type MetadataInput,
  NFW_FLOWS_VERSION,
  SCHEMA_VERSION,
  UNKNOWN_STATUS,
} from './schema.js';
export { wellFormed } from './text-format.js';
export {
  type ArrowEncoder,
  type ArrowTransform,
  createArrowEncoder,
  encodeArrow,
  type ToArrowOptions,
  toArrow,
} from './to-arrow.js';
export { csvLineFormatter, encodeCsv, type ToCsvOptions, toCsv } from './to-csv.js';
export { encodeNdjson, ndjsonLineFormatter, type ToNdjsonOptions, toNdjson } from './to-ndjson.js';
export {
  type ParquetCompression,
  type ParquetTransform,
  type ToParquetOptions,
  toParquet,
} from './to-parquet.js';
