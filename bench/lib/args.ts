/** Benchmark knobs shared by the scenarios: command-line flags and `BENCH_*` environment variables. */

/** True when `--profile` was passed (`npm run bench -- <scenario> --profile`) or `BENCH_PROFILE=1`. */
export function profiling(): boolean {
  return process.argv.includes('--profile') || process.env['BENCH_PROFILE'] === '1';
}

/** A positive number from the environment (`BENCH_<NAME>`), else the default. */
export function knob(name: string, fallback: number): number {
  const raw = process.env[`BENCH_${name}`];
  const value = raw === undefined || raw === '' ? Number.NaN : Number(raw);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** Waits `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
