export { createFlowNormalizer, type FlowNormalizer, normalizeFlow } from './normalize-flow.js';
