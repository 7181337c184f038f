import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { Target } from '../scenario.js';
import { defineScenario } from '../scenario.js';
import { megabytes, timeRatio } from './support/targets.js';
import { cliCaptureFile, fileSize, removeQuietly, runCli, scratchPath } from './support/tools.js';

const LOCAL = 'CLI export --input F --out X.parquet (local file)';
const S3 = 'CLI export --input F --out s3://bucket/X.parquet (moto_server on 127.0.0.1)';
const BUCKET = 'nfw-bench';

function motoMissing(): string | null {
  try {
    execFileSync('sh', ['-c', 'command -v moto_server'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'moto_server is not on PATH';
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** moto_server on a free port of 127.0.0.1 with the bucket created (moto takes unsigned requests). */
async function startMoto(): Promise<{ endpoint: string; child: ChildProcess }> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    try {
      const res = await fetch(`${endpoint}/${BUCKET}`, { method: 'PUT' });
      await res.arrayBuffer();
      if (res.ok) return { endpoint, child };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('moto_server did not start');
}

/** Peak RSS of `subject` at most `maxMB` MB above that of `reference`. */
function rssAbove(subject: string, reference: string, maxMB: number): Target {
  return {
    target: `${subject}: peak RSS <= ${reference} + ${maxMB} MB`,
    max: maxMB,
    measure(stats) {
      const value = megabytes(stats(subject).maxRssMiB - stats(reference).maxRssMiB);
      return { value, text: `${value >= 0 ? '+' : ''}${value.toFixed(0)} MB` };
    },
  };
}

export default defineScenario({
  name: 's3-export',
  description:
    "A saved capture (the AWS CLI's merged format, fixtures seed 7) exported to Parquet by the built CLI, into a local file and into an S3 object on moto_server (Python moto) on 127.0.0.1: a multipart upload of 8 MiB parts, two in flight, streamed as the Parquet writer produces the file. Both with --force (the S3 object is replaced each run). Separate processes measured from outside (GNU time); moto runs in its own process, outside the figures.",
  defaultSize: 1_000_000,
  unit: 'flow',
  cases: [
    {
      name: LOCAL,
      prepare: async (n) => {
        const file = await cliCaptureFile(n);
        const out = scratchPath('s3-export-local.parquet');
        return async () => {
          const measured = await runCli(['export', '--input', file, '--out', out, '--quiet', '--force']);
          const bytes = fileSize(out);
          removeQuietly(out);
          removeQuietly(`${out}.nfw-status.json`);
          return { ...measured, check: String(bytes), detail: 'separate process' };
        };
      },
    },
    {
      name: S3,
      baseline: LOCAL,
      prepare: async (n) => {
        const missing = motoMissing();
        if (missing !== null) return () => ({ check: 'skipped', skipped: missing });
        const file = await cliCaptureFile(n);
        const moto = await startMoto();
        return async () => {
          try {
            const measured = await runCli(
              ['export', '--input', file, '--out', `s3://${BUCKET}/flows.parquet`, '--quiet', '--force'],
              {
                AWS_ENDPOINT_URL_S3: moto.endpoint,
                AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
                AWS_SECRET_ACCESS_KEY: 'bench-secret',
                AWS_REGION: 'us-east-1',
                AWS_EC2_METADATA_DISABLED: 'true',
                AWS_CONFIG_FILE: '/dev/null',
                AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
              },
            );
            const head = await fetch(`${moto.endpoint}/${BUCKET}/flows.parquet`, { method: 'HEAD' });
            return {
              ...measured,
              check: head.headers.get('content-length') ?? '',
              detail: 'separate process',
            };
          } finally {
            moto.child.kill('SIGTERM');
          }
        };
      },
    },
  ],
  findings: [
    'Memory above the local export: two 8 MiB parts in flight and a 1 MiB buffer (about 24 MiB of data), plus the S3 client and lib-storage, which load only for s3:// outputs.',
    'Under load the wall-time ratio swings (0.98-1.83x at load 11-19) while the CPU ratio stays at 0.97-1.13x: the upload to moto competes for the two cores with the Parquet writer thread; judge on an idle machine.',
  ],
  targets: [timeRatio(S3, LOCAL, 1.3), rssAbove(S3, LOCAL, 50)],
});
