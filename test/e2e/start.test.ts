import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Starts the program as `npm start` does and resolves with what its banner prints. */
function startProgram(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const banner = new Promise<{ graphiql: string; bearer: string; apiKey: string }>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const graphiql = /GraphiQL:\s+(\S+)/.exec(stdout)?.[1];
      const bearer = /Authorization: (Bearer \S+)/.exec(stdout)?.[1];
      const apiKey = /Authorization: (?!Bearer)(\S+:\S+)/.exec(stdout)?.[1];
      if (graphiql && bearer && apiKey) resolve({ graphiql, bearer, apiKey });
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before its banner: ${stderr}`)));
  });
  return { child, banner, output: () => ({ stdout, stderr }) };
}

describe('npm start (simulator mode), as a user runs it', () => {
  let program: ReturnType<typeof startProgram>;
  let child: ChildProcessWithoutNullStreams;
  let info: { graphiql: string; bearer: string; apiKey: string };

  beforeAll(async () => {
    program = startProgram({});
    child = program.child;
    info = await program.banner;
  }, 30_000);
  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('prints the GraphiQL URL and working demo credentials', async () => {
    expect(info.graphiql).toMatch(/^http:\/\/localhost:\d+\/graphql$/);
    for (const authorization of [info.bearer, info.apiKey]) {
      const response = await fetch(info.graphiql, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ query: '{ clientInvoices(first: 3) { totalCount nodes { id client { name } } } }' }),
      });
      const body = (await response.json()) as { data: { clientInvoices: { totalCount: number; nodes: unknown[] } } };
      expect(body.data.clientInvoices.nodes).toHaveLength(3);
      expect(body.data.clientInvoices.totalCount).toBeGreaterThan(30);
    }
  });

  it('shuts down gracefully on SIGTERM with exit code 0', async () => {
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});

describe('bad configuration', () => {
  it('stops start-up with one line naming the variable', async () => {
    const program = startProgram({ LIFECYCLE_POLL_INTERVAL_MS: 'soon' });
    const banner = program.banner.catch((error: Error) => error.message);
    const [code] = (await once(program.child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(program.output().stderr).toBe('Invalid LIFECYCLE_POLL_INTERVAL_MS: must be a number\n');
    expect(await banner).toMatch(/exited with 1 before its banner/);
  });
});
