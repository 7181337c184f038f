// The public surface of @nfw-flows/core: nothing is public unless it is exported here.
export * from './errors.js';
export * from './normalize/index.js';
export * from './parse/index.js';
export * from './serialize/index.js';
export * from './source/index.js';
export * from './transform/index.js';
export type * from './types.js';
