// A raw API Flow and its context -> one validated, normalized FlowRecord (one-shot, or per stream).
export { createFlowNormalizer, type FlowNormalizer, normalizeFlow } from './normalize-flow.js';
