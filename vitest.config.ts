import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests run on the TypeScript sources: the "@nfw-flows/source" export condition points each
// workspace package at src/index.ts (no `module` condition: it breaks the AWS SDK).
export default defineConfig({
  ssr: { resolve: { conditions: ['@nfw-flows/source', 'node', 'import', 'default'] } },
  resolve: { conditions: ['@nfw-flows/source', 'node', 'import', 'default'] },
  test: {
    // .ci/run asks for a JSON report to print a plain "N passed, N failed" line.
    reporters: process.env.NFW_VITEST_JSON
      ? ['default', ['json', { outputFile: process.env.NFW_VITEST_JSON }]]
      : ['default'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // A worker imports the AWS SDK, apache-arrow and our sources once, not once per test file (that was
    // a fifth of the suite's time); tests therefore leave no global state behind (env, module state).
    isolate: false,
    // Vitest's default keeps a CPU free, which on 2 cores is one worker: the files ran one at a time.
    maxWorkers: availableParallelism(),
    projects: [
      {
        extends: true,
        test: { name: 'core', root: root('./packages/core'), include: ['test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'fixtures', root: root('./packages/fixtures'), include: ['test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'cli-export', root: root('./packages/cli-export'), include: ['test/**/*.test.ts'] },
      },
      { extends: true, test: { name: 'bench', root: root('./bench'), include: ['**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'reliability', root: root('./reliability'), include: ['**/*.test.ts'] },
      },
      { extends: true, test: { name: 'interop', root: root('./interop'), include: ['**/*.test.ts'] } },
    ],
  },
});
