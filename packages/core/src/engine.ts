/**
 * @nfw-flows/core/engine: the I/O-free engines the public factories are built on, for integrators who
 * drive them directly (a CLI spooling Arrow batches, a scheduler of their own). Less stable than the
 * root: names here may change in a minor release, and each is listed on purpose (a test pins the list).
 */
export { createFlowNormalizer, type FlowNormalizer, JsonNumberText } from './normalize/normalize-flow.js';
export { PROTOCOLS } from './parse/protocol.js';
export {
  type BatchBuilder,
  type BatchBuilderOptions,
  createBatchBuilder,
  DEFAULT_BATCH_SIZE,
  DEFAULT_ROW_GROUP_SIZE,
} from './serialize/batch-builder.js';
export { COLUMN, FLOW_GETTERS, type FlowColumnName } from './serialize/flow-columns.js';
export { createIpcWriter, type IpcFormat, type IpcWriter } from './serialize/ipc-writer.js';
export { arrowType, buildMetadata, columnsSchema, flowSchema, UNKNOWN_STATUS } from './serialize/schema.js';
export { wellFormed } from './serialize/text-format.js';
export { type ArrowEncoder, createArrowEncoder } from './serialize/to-arrow.js';
export { csvLineFormatter } from './serialize/to-csv.js';
export { ndjsonLineFormatter } from './serialize/to-ndjson.js';
export {
  FleetScheduler,
  runScheduled,
  type SchedulerCounts,
  type ScopeState,
} from './source/fleet-scheduler.js';
export { FlowsScanner, type ScanEvents, type ScanLimits } from './source/flows-scanner.js';
export { filterPredicate } from './transform/filter.js';
export { GroupByEngine, groupByColumns } from './transform/group-by.js';
export { topTalkersColumns } from './transform/top-talkers.js';
