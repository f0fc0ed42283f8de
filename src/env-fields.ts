import { z } from 'zod';

/** zod field builders shared by every environment parser (gateway, CLI): one wording for errors. */

/** Treats blank strings as unset. */
export const emptyToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/** An optional trimmed string; blank = unset. */
export const optionalString = z.preprocess(emptyToUndefined, z.string().trim().optional());

/** An integer in [min, max] with a default. */
export const integer = (fallback: number, min: number, max: number) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: 'must be a number' })
      .int({ error: 'must be an integer' })
      .min(min, { error: `must be at least ${min}` })
      .max(max, { error: `must be at most ${max}` })
      .default(fallback),
  );

/** `QONTO_API_URL`: an http(s) URL, trailing `/` and `/v2` removed. */
export const qontoApiUrl = z.preprocess(
  emptyToUndefined,
  z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .transform((value) => value.replace(/\/+$/, '').replace(/\/v2$/, ''))
    .optional(),
);

/** `QONTO_ENVIRONMENT`. */
export const qontoEnvironment = z.preprocess(
  emptyToUndefined,
  z.enum(['production', 'sandbox'], { error: 'must be "production" or "sandbox"' }).optional(),
);

/** A bad environment value: its message is the one line printed before exiting. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment with `schema`, or throws a one-line {@link ConfigError} naming the variable. */
export function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.output<T> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const variable = issue?.path.join('.') ?? 'environment';
  throw new ConfigError(`Invalid ${variable}: ${issue?.message ?? 'invalid value'}`);
}
