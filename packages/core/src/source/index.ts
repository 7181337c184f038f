// Sources of flow records: the API (one operation, or a fleet capture) and saved files.
export {
  type CaptureFlowsOptions,
  type CaptureFlowsStream,
  type CaptureFlowsSummary,
  type CaptureFlowsWarning,
  captureFlows,
  type ScopeStatus,
  startFlowCapture,
} from './capture-flows.js';
export {
  type DiscoverOptions,
  discoverScopes,
  type FirewallRef,
  type FleetDiscoveryFailure,
  type FleetScope,
  type FleetScopeKind,
} from './fleet-scopes.js';
export { type FlowResultsInput, type FlowResultsOptions, flowResults } from './flow-results.js';
export {
  type FileProvenance,
  type FlowResultsFromFileOptions,
  flowResultsFromFile,
} from './flow-results-from-file.js';
export type {
  FlowResultsStream,
  FlowResultsSummary,
  FlowResultsWarning,
  PageInfo,
  RetryInfo,
} from './flow-results-stream.js';
export type { RetryOptions } from './retry-policy.js';
