/**
 * A tiny request/response protocol over Node's IPC channel, for the fan-out benchmark's child
 * processes (simulator, gateway, bare server): the parent calls `child.call(method, args)`, the
 * child answers from a table of handlers. Children exit when the parent goes away.
 */
import { fork, type ChildProcess } from 'node:child_process';

interface CallMessage {
  id: number;
  method: string;
  args: unknown;
}
interface AnswerMessage {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** Wall-clock time in milliseconds with sub-millisecond resolution, comparable across processes. */
export const nowMs = (): number => performance.timeOrigin + performance.now();

/** A forked child speaking the protocol. */
export interface FanoutChild {
  readonly name: string;
  readonly process: ChildProcess;
  /** The `ready` value the child announced (e.g. its URL). */
  readonly ready: Record<string, unknown>;
  call<T = unknown>(method: string, args?: unknown, timeoutMs?: number): Promise<T>;
  /** SIGTERM by pid, then SIGKILL after `graceMs`; resolves once the child has exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Forks `entry` (a TypeScript file, run through tsx) with `--expose-gc` and the given env, and
 * resolves once it sent `{ ready: {...} }`.
 */
export async function forkChild(name: string, entry: string, env: NodeJS.ProcessEnv, execArgv: string[] = []): Promise<FanoutChild> {
  const child = fork(entry, [], {
    execArgv: ['--import', 'tsx', '--expose-gc', ...execArgv],
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = true;
      for (const [, waiter] of pending) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error(`${name} exited (code ${code}, signal ${signal})`));
      }
      pending.clear();
      resolve();
    }),
  );
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s`)), 60_000);
    child.once('exit', (code) => reject(new Error(`${name} exited during start-up (code ${code})`)));
    child.on('message', (message: unknown) => {
      const record = message as { ready?: Record<string, unknown> } & Partial<AnswerMessage>;
      if (record.ready) {
        clearTimeout(timer);
        resolve(record.ready);
        return;
      }
      if (typeof record.id !== 'number') return;
      const waiter = pending.get(record.id);
      if (!waiter) return;
      pending.delete(record.id);
      clearTimeout(waiter.timer);
      if (record.ok) waiter.resolve(record.value);
      else waiter.reject(new Error(`${name}.${String(record.error)}`));
    });
  });
  return {
    name,
    process: child,
    ready,
    call<T>(method: string, args?: unknown, timeoutMs = 120_000): Promise<T> {
      if (exited) return Promise.reject(new Error(`${name} has exited`));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${name}.${method} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
        child.send({ id, method, args } satisfies CallMessage);
      });
    },
    async stop(graceMs = 5000) {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!exited) child.kill('SIGKILL');
      }, graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** Child side: answers calls from `handlers`, announces `ready`, exits with the parent. */
export function serveParent(
  // biome-ignore lint/suspicious/noExplicitAny: each handler declares its own argument type; IPC payloads are untyped JSON
  handlers: Record<string, (args: any) => unknown>,
  ready: Record<string, unknown>,
  onExit: () => Promise<void> | void,
): void {
  let exiting = false;
  const exit = () => {
    if (exiting) return;
    exiting = true;
    const hard = setTimeout(() => process.exit(0), 3000);
    hard.unref();
    void Promise.resolve()
      .then(onExit)
      .catch(() => undefined)
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', exit);
  process.on('SIGINT', exit);
  process.on('disconnect', exit);
  process.on('message', (message: unknown) => {
    const { id, method, args } = message as CallMessage;
    const handler = handlers[method];
    if (!handler) {
      process.send?.({ id, ok: false, error: `${method}: unknown method` } satisfies AnswerMessage);
      return;
    }
    void Promise.resolve()
      .then(() => handler(args))
      .then(
        (value) => process.send?.({ id, ok: true, value } satisfies AnswerMessage),
        (error: unknown) =>
          process.send?.({
            id,
            ok: false,
            error: `${method}: ${error instanceof Error ? error.message : String(error)}`,
          } satisfies AnswerMessage),
      );
  });
  process.send?.({ ready });
}

/** Full GCs (needs --expose-gc), then process.memoryUsage(). */
export async function collectAndMeasure(): Promise<NodeJS.MemoryUsage> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  gc();
  return process.memoryUsage();
}

/**
 * IPC handlers that CPU-profile a window of the child's life (node:inspector), so a profile can
 * cover the trigger windows only: `profileStart`, then `profileStop({ path })` writes a
 * .cpuprofile (open it in Chrome DevTools or speedscope).
 */
// biome-ignore lint/suspicious/noExplicitAny: handlers as serveParent takes them (untyped IPC JSON)
export function profilingHandlers(): Record<string, (args: any) => unknown> {
  let session: import('node:inspector/promises').Session | null = null;
  return {
    profileStart: async () => {
      const { Session } = await import('node:inspector/promises');
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 100 });
      await session.post('Profiler.start');
      return true;
    },
    profileStop: async ({ path }: { path: string }) => {
      if (!session) throw new Error('profileStart first');
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      session = null;
      const { writeFileSync } = await import('node:fs');
      writeFileSync(path, JSON.stringify(profile));
      return path;
    },
  };
}
