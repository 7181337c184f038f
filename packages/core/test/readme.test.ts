/**
 * The README's code is the tested code: its TypeScript library snippet is samples/export-to-parquet.ts
 * (run by samples.test.ts) and its Python cells are docs/snippets/*.py (run by `pnpm interop` on every
 * output format), byte for byte, in the order the interop suite runs them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (p: string) => readFileSync(path.join(ROOT, p), 'utf8');
const fenced = (lang: string, text: string) =>
  [...text.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((m) => m[1]);

describe('README code blocks', () => {
  const readme = read('README.md');

  test('the TypeScript library snippet is samples/export-to-parquet.ts', () => {
    expect(fenced('ts', readme)).toContain(read('packages/core/samples/export-to-parquet.ts'));
  });

  test('the Python cells are docs/snippets/*.py, all of them, in the interop suite order', () => {
    const order = /^SNIPPETS = (\[.*\])$/m.exec(read('interop/interop.py'))?.[1];
    const names = JSON.parse(order!) as string[];
    const files = readdirSync(path.join(ROOT, 'docs/snippets')).filter((f) => f.endsWith('.py'));
    expect(names.map((n) => `${n}.py`).sort()).toEqual(files.sort());
    expect(fenced('python', readme)).toEqual(names.map((n) => read(`docs/snippets/${n}.py`)));
  });
});
