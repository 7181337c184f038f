// Analysis transforms: filters, group-by with subnet roll-ups, top talkers (exact and bounded), capture
// diffs. Each is a stream factory with a sync or iterable form beside it.
export { type FilterLeaf, type FilterOptions, filter, filterRecords, type PortOption } from './filter.js';
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
export { type GroupByOptions, groupBy, groupByRows } from './group-by.js';
export type { AddressMask, KeyName, KeyOption, MaskOption } from './key-spec.js';
export {
  type TopKey,
  type TopMetric,
  type TopTalkersOptions,
  topTalkers,
  topTalkersRows,
} from './top-talkers.js';
