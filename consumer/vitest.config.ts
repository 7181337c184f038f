import { defineConfig } from 'vitest/config';

// `pnpm consumer`: the packed packages installed into fresh npm projects (consumer.test.ts). Kept out of
// the unit suite's projects because npm install takes a while on a cold cache.
export default defineConfig({
  ssr: { resolve: { conditions: ['@nfw-flows/source', 'node', 'import', 'default'] } },
  resolve: { conditions: ['@nfw-flows/source', 'node', 'import', 'default'] },
  test: {
    name: 'consumer',
    root: import.meta.dirname,
    include: ['consumer.test.ts'],
    reporters: process.env.NFW_VITEST_JSON
      ? ['default', ['json', { outputFile: process.env.NFW_VITEST_JSON }]]
      : ['default'],
    testTimeout: 60_000,
    hookTimeout: 240_000,
    // Each test spawns its own processes on files of its own: two at a time keep both cores busy.
    sequence: { concurrent: true },
    maxConcurrency: 2,
  },
});
