import pino, { type Logger } from 'pino';

/** Paths pino replaces with `[redacted]` wherever they appear in a log line. */
export const REDACTED_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'connectionParams',
  '*.connectionParams',
  'secret',
  '*.secret',
  'webhookSecret',
];

/** Creates the process logger: JSON lines, secrets and `Authorization` values redacted. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, base: { service: 'qonto-einvoicing-gateway' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    destination,
  );
}
