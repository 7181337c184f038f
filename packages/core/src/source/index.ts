export {
  type CaptureFlowsOptions,
  CaptureFlowsStream,
  type CaptureFlowsSummary,
  type CaptureFlowsWarning,
  captureFlows,
  type ScopeStatus,
  startFlowCapture,
} from './capture-flows.js';
export { FleetScheduler, runScheduled, type SchedulerCounts, type ScopeState } from './fleet-scheduler.js';
export {
  type DiscoverOptions,
  discoverScopes,
  type FirewallRef,
  type FleetDiscoveryFailure,
  type FleetScope,
  type FleetScopeKind,
  scopeInput,
  scopeKey,
} from './fleet-scopes.js';
export { type FlowResultsInput, type FlowResultsOptions, flowResults } from './flow-results.js';
export {
  type FileProvenance,
  type FlowResultsFromFileOptions,
  flowResultsFromFile,
} from './flow-results-from-file.js';
export {
  FlowResultsStream,
  type FlowResultsSummary,
  type FlowResultsWarning,
  type PageInfo,
  type RetryInfo,
} from './flow-results-stream.js';
export { FlowsScanner, type ScanEvents, type ScanLimits } from './flows-scanner.js';
export { type FlowPage, type PagesOptions, pages } from './pages.js';
export type { RetryOptions } from './retry-policy.js';
