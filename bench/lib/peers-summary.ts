import { createServer } from 'node:net';

/** One row of shared/peers/summarize.mjs's JSON (`summary-<stamp>.json`). */
export interface PeersSummaryRow {
  query: string;
  label: string;
  flavor: string;
  rounds: number;
  reqPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  non2xx: number;
  errors: number;
  graphqlErrors: number;
  upstreamPerRequest: number | null;
  probeOk: boolean;
  probeProblems: string[];
  reqPerSecAll: number[];
  throughputVsRest: number | null;
  p50AddedMs: number | null;
  p99AddedMs: number | null;
}

/** The ports among `ports` that something already listens on (127.0.0.1). */
export async function peersPortsFree(ports: number[]): Promise<number[]> {
  const busy: number[] = [];
  for (const port of ports) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (!free) busy.push(port);
  }
  return busy;
}
