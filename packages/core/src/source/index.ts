export { type FlowResultsInput, type FlowResultsOptions, flowResults } from './flow-results.js';
export {
  FlowResultsStream,
  type FlowResultsSummary,
  type FlowResultsWarning,
  type PageInfo,
} from './flow-results-stream.js';
