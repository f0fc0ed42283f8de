import { z } from 'zod';

const integer = (fallback: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .transform((value) => value ?? fallback);

const EnvSchema = z.object({
  PORT: integer(4010, 0, 65535),
  HOST: z
    .string()
    .trim()
    .min(1)
    .optional()
    .transform((value) => value ?? '127.0.0.1'),
  SIMULATOR_WEBHOOK_URL: z
    .string()
    .trim()
    .url()
    .refine((value) => /^https?:\/\//.test(value), 'must be an http(s) URL')
    .optional(),
  SIMULATOR_WEBHOOK_SECRET: z.string().min(32, 'must be 32 to 128 characters').max(128, 'must be 32 to 128 characters').optional(),
  SIMULATOR_STEP_MS: integer(2000, 0, 3_600_000),
});

/** Parsed environment of the standalone simulator. */
export type SimulatorEnv = z.infer<typeof EnvSchema>;

/** Parses the environment; throws an Error whose message is one line naming the bad variable. */
export function parseSimulatorEnv(env: NodeJS.ProcessEnv): SimulatorEnv {
  const picked = Object.fromEntries(Object.keys(EnvSchema.shape).map((key) => [key, env[key] === '' ? undefined : env[key]]));
  const result = EnvSchema.safeParse(picked);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const variable = String(issue?.path[0] ?? 'environment');
  throw new Error(`Invalid ${variable}: ${issue?.message ?? 'invalid value'}`);
}
