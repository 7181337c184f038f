/**
 * A real S3 API on loopback for the S3 tests: `moto_server` (Python moto) started per test file on a free
 * port of 127.0.0.1 and stopped after it. Where moto_server is not on PATH (a fresh user machine) the
 * S3 tests skip, and one line says why. The environment the tests give the CLI (and the in-process SDK
 * clients) points every S3 request at that server, with dummy credentials: nothing reaches AWS.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import {
  CreateBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';

/** Whether `moto_server` is on PATH; null when it is, otherwise the reason printed once. */
function motoMissing(): string | null {
  try {
    execFileSync('sh', ['-c', 'command -v moto_server'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'moto_server is not on PATH (pip install "moto[server]")';
  }
}

const missing = motoMissing();
let announced = false;

/** True when the S3 tests can run; otherwise prints one skip line (once per test file) and returns false. */
export function hasMoto(): boolean {
  if (missing !== null && !announced) {
    announced = true;
    console.log(`S3 tests skipped: ${missing}`);
  }
  return missing === null;
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

export interface Moto {
  endpoint: string;
  /** The environment of a process that talks to this server only: endpoint, dummy credentials, region. */
  env: Record<string, string>;
  client: S3Client;
  createBucket(name: string): Promise<void>;
  /** Keys under `prefix` (every key of the bucket by default), sorted. */
  keys(bucket: string, prefix?: string): Promise<string[]>;
  /** Multipart uploads still open in the bucket (aborted or completed ones are gone). */
  openUploads(bucket: string): Promise<number>;
  stop(): Promise<void>;
}

/** The dummy credentials of the tests: they never leave 127.0.0.1. */
export const TEST_CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

async function waitReady(endpoint: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  let exited: string | null = null;
  child.once('exit', (code, signal) => {
    exited = `moto_server exited (${code ?? signal})`;
  });
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(exited);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      await res.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('moto_server did not answer within 20 s');
}

/** Start moto_server on 127.0.0.1 and set this process's S3 environment to it (restored by stop()). */
export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  try {
    await waitReady(endpoint, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  const env: Record<string, string> = {
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    // Nothing from the user's ~/.aws may redirect a test.
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const saved = new Map(Object.keys(env).map((k) => [k, process.env[k]]));
  // The in-process code under test (s3-target.ts) reads the same environment the CLI would.
  Object.assign(process.env, env);
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: TEST_CREDENTIALS,
  });
  return {
    endpoint,
    env,
    client,
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async keys(bucket, prefix) {
      const out: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) out.push(o.Key!);
        token = page.NextContinuationToken;
      } while (token !== undefined);
      return out.sort();
    },
    async openUploads(bucket) {
      const res = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      return res.Uploads?.length ?? 0;
    },
    async stop() {
      client.destroy();
      for (const [k, v] of saved) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
