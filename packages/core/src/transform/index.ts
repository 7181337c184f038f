// Analysis transforms: group-by with subnet roll-ups, top talkers (exact and bounded), filters, capture diffs.

export {
  type FilterLeaf,
  type FilterOptions,
  filter,
  filterPredicate,
  filterRecords,
  type PortOption,
} from './filter.js';
export {
  DIFF_COLUMNS,
  type DiffRecord,
  diffCaptureRows,
  diffCaptures,
  type FlowChange,
  type FlowDiffOptions,
  type FlowDiffStream,
  type FlowDiffSummary,
} from './flow-diff.js';
export {
  GROUP_METRIC_COLUMNS,
  GroupByEngine,
  type GroupByOptions,
  groupBy,
  groupByColumns,
  groupByRows,
} from './group-by.js';
export { type AddressMask, type KeyName, type KeyOption, type MaskOption, parseTopKey } from './key-spec.js';
export {
  multiStats,
  multiStatsColumns,
  multiStatsRows,
  type TopKey,
  type TopMetric,
  type TopTalkersOptions,
  topTalkers,
  topTalkersColumns,
  topTalkersRows,
} from './top-talkers.js';
