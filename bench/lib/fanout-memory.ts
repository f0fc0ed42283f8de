/** The parts of process.memoryUsage() the fan-out benchmark reports. */
export interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

export function collectGarbageSummary(usage: NodeJS.MemoryUsage): MemorySample {
  return {
    rss: usage.rss,
    heapUsed: usage.heapUsed,
    heapTotal: usage.heapTotal,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
  };
}

/** Bytes → KB (1024), 2 decimals. */
export const kb = (bytes: number): number => Math.round((bytes / 1024) * 100) / 100;
/** Bytes → MB (1024²), 1 decimal. */
export const mb = (bytes: number): number => Math.round((bytes / 1024 ** 2) * 10) / 10;
