/**
 * The code under benchmark, by path: the workspace root does not depend on @nfw-flows/core, so the
 * bench imports the package sources (tsx strips the types, as tsc does for dist/) and resolves the
 * core package's own dependencies (ipaddr.js for baselines) from packages/core.
 */
import { createRequire } from 'node:module';

export * from '../packages/core/src/engine.js';
export * from '../packages/core/src/index.js';

/** `require` as seen from packages/core, for its dependencies (pnpm does not hoist them to the root). */
export const requireFromCore = createRequire(new URL('../packages/core/package.json', import.meta.url));
