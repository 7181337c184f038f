export {
  createFlowNormalizer,
  type FlowNormalizer,
  JsonNumberText,
  normalizeFlow,
} from './normalize-flow.js';
