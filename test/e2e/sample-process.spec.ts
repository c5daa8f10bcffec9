import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

// What `npm start` runs: the compiled sample, which imports the library by its package name.
describe('the sample application as a process', () => {
  let child: ChildProcess;
  let port: number;
  let output = '';
  // The sample keeps its tasks in SQLite by default: a file of the test's own.
  const dataDir = mkdtempSync(join(tmpdir(), 'sample-process-'));
  let emailId = '';

  const startSample = async (): Promise<void> => {
    port = await freePort();
    output = '';
    child = spawn(process.execPath, ['dist/sample/main.js'], {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        NO_COLOR: '1',
        SCHEDULER_DB: join(dataDir, 'scheduler.db'),
      },
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(
      async () => ((await fetch(`http://127.0.0.1:${port}/stats`)).ok ? true : undefined),
      20_000,
    );
  };

  beforeAll(async () => {
    execFileSync(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: root,
      },
    );
    // As `npm run build` does: the dashboard's files ship beside the compiled library.
    cpSync(join(root, 'lib/admin/assets'), join(root, 'dist/lib/admin/assets'), {
      recursive: true,
    });
    await startSample();
  }, 60_000);

  afterAll(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves its endpoint, runs the queued email and logs its life in readable lines', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/emails`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: 'process@example.com', subject: 'From a test', body: 'Hi' }),
    });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    emailId = id;
    const task = await waitFor(async () => {
      const info = (await (await fetch(`http://127.0.0.1:${port}/tasks/${id}`)).json()) as {
        status: string;
      };
      return info.status === 'completed' ? info : undefined;
    }, 10_000);
    expect(task).toMatchObject({ id, name: 'email', queue: 'high_priority', status: 'completed' });
    expect(output).toContain(`✓ email [high_priority] ${id} completed`);
    expect(output).toContain('Sample listening on');
  });

  it('serves the dashboard and the admin API to local callers', async () => {
    const page = await fetch(`http://127.0.0.1:${port}/admin/scheduler`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('/admin/scheduler/assets/dashboard.js');
    const script = await fetch(`http://127.0.0.1:${port}/admin/scheduler/assets/dashboard.js`);
    expect(script.status).toBe(200);
    const task = (await (
      await fetch(`http://127.0.0.1:${port}/admin/scheduler/tasks/${encodeURIComponent(emailId)}`)
    ).json()) as { id: string; status: string };
    expect(task).toMatchObject({ id: emailId, status: 'completed' });
  });

  it('shuts down on SIGTERM without errors', async () => {
    const exited = new Promise<{ code: number | null; signal: string | null }>((done) =>
      child.once('exit', (code, signal) => done({ code, signal })),
    );
    child.kill('SIGTERM');
    // Nest's shutdown hooks close the application (the scheduler drains), then re-raise the signal.
    expect(await exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(output).not.toMatch(/\bERROR\b/);
  }, 40_000);

  it('keeps its tasks across a restart, in its SQLite file', async () => {
    await startSample();
    const task = (await (await fetch(`http://127.0.0.1:${port}/tasks/${emailId}`)).json()) as {
      status: string;
    };
    expect(task).toMatchObject({ id: emailId, status: 'completed' });
  }, 40_000);
});
