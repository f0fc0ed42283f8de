import { WEBHOOK_PATH } from '../app/paths.js';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config.js';
import { errorMessage } from '../lib/error-message.js';
import type { QontoClient } from '../qonto/client.js';
import { isNotFound, isQontoError, type QontoError } from '../qonto/errors.js';
import { scrubSecret } from '../qonto/response.js';
import { QontoTransport } from '../qonto/transport.js';
import {
  CLIENT_INVOICES_WEBHOOK_TYPE,
  CLIENTS_WEBHOOK_TYPE,
  type WireCreateWebhookSubscriptionBody,
  type WireWebhookSubscription,
} from '../qonto/wire.js';
import { loadCliQontoConfig, type CliQontoConfig } from './qonto-env.js';

/** Where the CLI writes: one line per call, without the trailing newline. */
export interface CliIo {
  /** Results (ids, tables, the `QONTO_WEBHOOK_SECRET=` line): standard output. */
  out(line: string): void;
  /** Errors, warnings and usage after a mistake: standard error. */
  err(line: string): void;
}

/** The webhook types the gateway consumes (docs/qonto-facts.md#webhook-types), in subscription order. */
export const GATEWAY_WEBHOOK_TYPES: readonly string[] = [CLIENT_INVOICES_WEBHOOK_TYPE, CLIENTS_WEBHOOK_TYPE];

/** OAuth scope that manages webhook subscriptions (docs/qonto-facts.md#scopes, docs/qonto-facts.md#webhook-subscriptions). */
export const WEBHOOK_SCOPE = 'webhook';

/** OAuth scope each consumed webhook type also needs (docs/qonto-facts.md#webhook-types). */
export const WEBHOOK_TYPE_SCOPES: Readonly<Record<string, string>> = {
  [CLIENT_INVOICES_WEBHOOK_TYPE]: 'client_invoices.read',
  [CLIENTS_WEBHOOK_TYPE]: 'organization.read',
};

const MAX_CALLBACK_URL = 512;
const MIN_SECRET = 32;
const MAX_SECRET = 128;
const MAX_DESCRIPTION = 256;
const DEFAULT_DESCRIPTION = 'qonto-einvoicing-gateway';
const HELP_HINT = 'Run "npm run webhooks -- --help" for usage.';

/** The usage text printed by `--help` (and, on standard error, for a missing or unknown command). */
export const WEBHOOKS_USAGE = `Usage: npm run webhooks -- <command> [options]

Manages the Qonto webhook subscriptions that feed the gateway's POST ${WEBHOOK_PATH}.

Commands:
  register --url <url>     Subscribe <url> to ${GATEWAY_WEBHOOK_TYPES.join(' and ')}, then print
                           the QONTO_WEBHOOK_SECRET=... line to give the gateway; types that
                           <url> already receives are not subscribed twice
      --secret <secret>      signing secret, ${MIN_SECRET}-${MAX_SECRET} characters (default: Qonto generates one)
      --description <text>   at most ${MAX_DESCRIPTION} characters (default: "${DEFAULT_DESCRIPTION}")
      --separate             one subscription per type, as Qonto recommends (default: one for both)
      --force                subscribe even the types <url> already receives (duplicate deliveries)
  list                     Show id, callback_url, types and created_at of every subscription
      --show-secrets         add each subscription's secret
  delete <id>              Delete one subscription
  --help, -h               Show this text

Environment:
  QONTO_API_URL            required: https://thirdparty.qonto.com, Qonto's sandbox, or a running
                           simulator such as http://127.0.0.1:4010 (npm run simulator)
  QONTO_ACCESS_TOKEN, or QONTO_API_LOGIN + QONTO_API_SECRET_KEY
                           required: the organization's credentials (the API key wins when both
                           are set)
  QONTO_ENVIRONMENT, QONTO_STAGING_TOKEN
                           as for the gateway; the sandbox needs the staging token

Credentials: Qonto documents the webhook subscription endpoints for OAuth 2.0 only. Use an
access token (QONTO_ACCESS_TOKEN) with the scope ${WEBHOOK_SCOPE} plus the scope of each type:
${GATEWAY_WEBHOOK_TYPES.map((type) => `${WEBHOOK_TYPE_SCOPES[type]} for ${type}`).join(', ')}. Whether an API key
may manage subscriptions is unverified: the tool accepts one, lets Qonto decide, and explains a
401 or 403 answer.

Against real Qonto (any QONTO_API_URL whose host is not loopback) --url must be https.

Example:
  QONTO_API_URL=https://thirdparty.qonto.com QONTO_API_LOGIN=acme-1234 QONTO_API_SECRET_KEY=... \\
    npm run webhooks -- register --url https://gateway.example.com${WEBHOOK_PATH}`;

/** A mistake of the operator: its message is the one line printed before exiting with 1. */
class UsageError extends Error {
  override name = 'UsageError';
}

type Command = 'register' | 'list' | 'delete';

const COMMAND_OPTIONS = {
  register: {
    url: { type: 'string' },
    secret: { type: 'string' },
    description: { type: 'string' },
    separate: { type: 'boolean' },
    force: { type: 'boolean' },
  },
  list: { 'show-secrets': { type: 'boolean' } },
  delete: {},
} as const;

function isCommand(value: string): value is Command {
  return Object.hasOwn(COMMAND_OPTIONS, value);
}

/**
 * Runs `npm run webhooks -- <argv>`: `register`, `list` or `delete` Qonto webhook subscriptions
 * with the credentials of `env` (README.md#configuration). Writes results to `io.out` and every
 * problem as one line to `io.err`, followed for a Qonto 401 or 403 by one line saying which
 * credential and scopes are needed (never a stack trace, never the `Authorization` value), and
 * resolves with the process exit code: 0 on success or `--help`, 1 otherwise. Makes no Qonto call
 * when the arguments or the environment are invalid.
 */
export async function runWebhooksCli(argv: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    printUsage(io.out);
    return 0;
  }
  if (first === undefined) {
    io.err('Missing command: expected register, list or delete.');
    printUsage(io.err);
    return 1;
  }
  if (!isCommand(first)) {
    io.err(`Unknown command "${first}": expected register, list or delete.`);
    printUsage(io.err);
    return 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    printUsage(io.out);
    return 0;
  }

  let config: CliQontoConfig | undefined;
  let transport: QontoTransport | undefined;
  try {
    const { values, positionals } = parseCommandArgs(first, rest);
    switch (first) {
      case 'register': {
        const input = registerInput(values);
        config = loadCliQontoConfig(env);
        checkCallbackScheme(input.url, config);
        transport = createTransport(config);
        return await register(transport.forAuthorization(config.authorization), input, io);
      }
      case 'list': {
        if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}" for list. ${HELP_HINT}`);
        config = loadCliQontoConfig(env);
        transport = createTransport(config);
        return await list(transport.forAuthorization(config.authorization), values['show-secrets'] === true, io);
      }
      case 'delete': {
        const id = deleteId(positionals);
        config = loadCliQontoConfig(env);
        transport = createTransport(config);
        return await remove(transport.forAuthorization(config.authorization), id, io);
      }
      default: {
        const unreachable: never = first;
        return unreachable;
      }
    }
  } catch (error) {
    io.err(describeError(error, config));
    const hint = credentialHint(error, config);
    if (hint) io.err(hint);
    return 1;
  } finally {
    await transport?.close();
  }
}

function printUsage(write: (line: string) => void): void {
  for (const line of WEBHOOKS_USAGE.split('\n')) write(line);
}

interface ParsedArgs {
  values: { url?: string; secret?: string; description?: string; separate?: boolean; force?: boolean; 'show-secrets'?: boolean };
  positionals: string[];
}

function parseCommandArgs(command: Command, args: string[]): ParsedArgs {
  try {
    const parsed = parseArgs({ args, options: COMMAND_OPTIONS[command], strict: true, allowPositionals: true });
    return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
  } catch (error) {
    const message = errorMessage(error)
      .split(/\n|\.\s/)[0]
      ?.replace(/\.$/, '');
    throw new UsageError(`${message ?? 'Invalid arguments'} (for ${command}). ${HELP_HINT}`);
  }
}

interface RegisterInput {
  url: string;
  secret: string | undefined;
  description: string;
  separate: boolean;
  force: boolean;
}

function registerInput(values: ParsedArgs['values']): RegisterInput {
  const url = values.url?.trim();
  if (!url) throw new UsageError(`Invalid --url: required, e.g. --url https://gateway.example.com${WEBHOOK_PATH}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError('Invalid --url: must be an absolute URL, e.g. https://gateway.example.com/webhooks/qonto');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new UsageError('Invalid --url: must be an https URL');
  }
  if (url.length > MAX_CALLBACK_URL) {
    throw new UsageError(`Invalid --url: must be at most ${MAX_CALLBACK_URL} characters (got ${url.length})`);
  }
  if (parsed.username || parsed.password) throw new UsageError('Invalid --url: must not contain credentials');
  const secret = values.secret;
  if (secret !== undefined && (secret.length < MIN_SECRET || secret.length > MAX_SECRET)) {
    throw new UsageError(`Invalid --secret: must be ${MIN_SECRET} to ${MAX_SECRET} characters long (got ${secret.length})`);
  }
  const description = values.description ?? DEFAULT_DESCRIPTION;
  if (description.length > MAX_DESCRIPTION) {
    throw new UsageError(`Invalid --description: must be at most ${MAX_DESCRIPTION} characters (got ${description.length})`);
  }
  return { url, secret, description, separate: values.separate === true, force: values.force === true };
}

/** Real Qonto only delivers to https, and the gateway only trusts https there (docs/qonto-facts.md#webhook-delivery). */
function checkCallbackScheme(url: string, config: CliQontoConfig): void {
  if (config.realQonto && new URL(url).protocol !== 'https:') {
    throw new UsageError(
      `Invalid --url: must be https against real Qonto (QONTO_API_URL host ${new URL(config.apiUrl).host} is not loopback); no subscription was created`,
    );
  }
}

function deleteId(positionals: string[]): string {
  const id = positionals[0]?.trim();
  if (!id || positionals.length !== 1) {
    throw new UsageError(`delete needs exactly one subscription id (see "npm run webhooks -- list"). ${HELP_HINT}`);
  }
  return id;
}

function createTransport(config: CliQontoConfig): QontoTransport {
  return new QontoTransport({
    baseUrl: config.apiUrl,
    environment: config.environment,
    stagingToken: config.stagingToken,
    timeoutMs: config.timeoutMs,
    maxRetries: config.maxRetries,
    userAgent: 'qonto-einvoicing-gateway-webhooks-cli',
  });
}

async function register(client: QontoClient, input: RegisterInput, io: CliIo): Promise<number> {
  const path = new URL(input.url).pathname;
  if (path !== WEBHOOK_PATH) {
    io.err(`Warning: the gateway receives webhooks at ${WEBHOOK_PATH}; --url has path ${path} (fine behind a rewriting proxy).`);
  }
  // Registering twice would make Qonto deliver every event twice: reuse what this URL already has.
  const existing = input.force
    ? []
    : (await client.listWebhookSubscriptions()).filter((subscription) => sameCallback(subscription.callback_url, input.url));
  const reused = existing.filter((subscription) => subscription.types.some((type) => GATEWAY_WEBHOOK_TYPES.includes(type)));
  for (const subscription of reused) {
    io.out(
      `Already subscribed: ${subscription.id} (${subscription.types.join(', ')}) -> ${subscription.callback_url}; not subscribing it again (--force would).`,
    );
  }
  const missing = GATEWAY_WEBHOOK_TYPES.filter((type) => !reused.some((subscription) => subscription.types.includes(type)));
  const groups = missing.length === 0 ? [] : input.separate ? missing.map((type) => [type]) : [missing];
  const created: WireWebhookSubscription[] = [];
  try {
    for (const types of groups) {
      const body: WireCreateWebhookSubscriptionBody = { callback_url: input.url, types, description: input.description };
      if (input.secret !== undefined) body.secret = input.secret;
      const subscription = await client.createWebhookSubscription(body);
      created.push(subscription);
      io.out(`Created webhook subscription ${subscription.id} (${subscription.types.join(', ')}) -> ${subscription.callback_url}`);
    }
  } catch (error) {
    if (created.length > 0) {
      printSecrets(created, input.secret, reused, io);
      io.err(`Only ${created.length} of ${groups.length} subscriptions were created; delete them or register the rest.`);
    }
    throw error;
  }
  return printSecrets(created, input.secret, reused, io) ? 0 : 1;
}

/** Same callback URL, ignoring a trailing slash and the case of the scheme and host. */
function sameCallback(a: string, b: string): boolean {
  const normalise = (url: string) => {
    try {
      const parsed = new URL(url);
      return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}${parsed.search}`;
    } catch {
      return url;
    }
  };
  return normalise(a) === normalise(b);
}

/**
 * Prints the secret line for the created and the reused subscriptions; false when Qonto returned
 * no secret for one it just created and none was given. A reused subscription's secret may not be
 * listed by Qonto: the operator then keeps the one already configured.
 */
function printSecrets(
  created: WireWebhookSubscription[],
  given: string | undefined,
  reused: WireWebhookSubscription[],
  io: CliIo,
): boolean {
  const secrets: string[] = [];
  for (const subscription of created) {
    const secret = subscription.secret ?? given;
    if (!secret) {
      io.err(
        `Qonto returned no secret for subscription ${subscription.id}: delete it and register again with --secret <${MIN_SECRET}-${MAX_SECRET} characters>.`,
      );
      return false;
    }
    if (!secrets.includes(secret)) secrets.push(secret);
  }
  const unlisted = reused.filter((subscription) => !subscription.secret);
  for (const subscription of reused) if (subscription.secret && !secrets.includes(subscription.secret)) secrets.push(subscription.secret);
  if (unlisted.length > 0) {
    io.out(
      `Qonto does not show the secret of ${unlisted.map((subscription) => subscription.id).join(', ')}: keep the one already in QONTO_WEBHOOK_SECRET.`,
    );
  }
  if (secrets.length === 0) return true;
  io.out('');
  io.out(
    secrets.length > 1
      ? 'Webhook signing secrets (set them all, comma-separated, in the gateway environment):'
      : 'Webhook signing secret (set it in the gateway environment; keep any secret still in use, comma-separated):',
  );
  io.out(`QONTO_WEBHOOK_SECRET=${secrets.join(',')}`);
  return true;
}

async function list(client: QontoClient, showSecrets: boolean, io: CliIo): Promise<number> {
  const subscriptions = await client.listWebhookSubscriptions();
  if (subscriptions.length === 0) {
    io.out('No webhook subscriptions.');
    return 0;
  }
  const header = ['ID', 'CALLBACK_URL', 'TYPES', 'CREATED_AT'];
  if (showSecrets) header.push('SECRET');
  const rows = subscriptions.map((subscription) => {
    const row = [subscription.id, subscription.callback_url, subscription.types.join(','), subscription.created_at ?? '-'];
    if (showSecrets) row.push(subscription.secret ?? '-');
    return row;
  });
  for (const line of formatTable([header, ...rows])) io.out(line);
  return 0;
}

function formatTable(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

async function remove(client: QontoClient, id: string, io: CliIo): Promise<number> {
  try {
    await client.deleteWebhookSubscription(id);
  } catch (error) {
    if (isNotFound(error)) {
      io.err(
        `No webhook subscription ${id}: Qonto answered HTTP 404${error.traceId ? ` (trace ${error.traceId})` : ''}; see "npm run webhooks -- list".`,
      );
      return 1;
    }
    throw error;
  }
  io.out(`Deleted webhook subscription ${id}.`);
  io.out('Remove its secret from QONTO_WEBHOOK_SECRET once no other subscription uses it.');
  return 0;
}

/** One line for any failure; scrubbed of the `Authorization` value. */
function describeError(error: unknown, config: CliQontoConfig | undefined): string {
  let line: string;
  if (error instanceof UsageError || error instanceof ConfigError) line = error.message;
  else if (isQontoError(error)) line = describeQontoError(error, config);
  else line = `Unexpected error: ${errorMessage(error)}`;
  line = line.replace(/\s*[\r\n]+\s*/g, ' ');
  return config ? scrubSecret(line, config.authorization) : line;
}

/**
 * For a Qonto 401 or 403, one line saying what it means and which credential and scopes manage
 * webhook subscriptions (docs/qonto-facts.md#webhook-subscriptions); undefined otherwise.
 */
function credentialHint(error: unknown, config: CliQontoConfig | undefined): string | undefined {
  if (!isQontoError(error) || error.kind !== 'http' || (error.status !== 401 && error.status !== 403)) return undefined;
  const oauth = config?.authorization.trim().toLowerCase().startsWith('bearer ') ?? false;
  const used = oauth ? 'the access token (QONTO_ACCESS_TOKEN)' : 'the API key (QONTO_API_LOGIN + QONTO_API_SECRET_KEY)';
  const scopes = `${WEBHOOK_SCOPE} plus ${GATEWAY_WEBHOOK_TYPES.map((type) => `${WEBHOOK_TYPE_SCOPES[type]} (${type})`).join(' and ')}`;
  if (error.status === 401) {
    const why = oauth ? 'is wrong, revoked or expired (an access token lasts one hour)' : 'is wrong or was regenerated';
    return `HTTP 401 means Qonto did not accept ${used}: it ${why}. Webhook subscriptions are documented for OAuth 2.0 only: set QONTO_ACCESS_TOKEN to a fresh access token with the scopes ${scopes}.`;
  }
  return oauth
    ? `HTTP 403 means Qonto accepted the access token (QONTO_ACCESS_TOKEN) but it lacks a scope: managing webhook subscriptions needs ${scopes}; grant them in the OAuth consent and get a new token.`
    : `HTTP 403 means Qonto accepted the API key but will not let it manage webhook subscriptions, which Qonto documents for OAuth 2.0 only: unset QONTO_API_LOGIN / QONTO_API_SECRET_KEY and set QONTO_ACCESS_TOKEN to an access token with the scopes ${scopes}.`;
}

function describeQontoError(error: QontoError, config: CliQontoConfig | undefined): string {
  const where = config ? ` at ${config.apiUrl}` : '';
  const call = `${error.method} ${error.route}`;
  const attempts = error.attempts > 1 ? ` after ${error.attempts} attempts` : '';
  const trace = error.traceId ? ` (trace ${error.traceId})` : ' (no trace id)';
  switch (error.kind) {
    case 'http': {
      const what = [error.code, error.detail].filter((part) => part).join(': ');
      const pointer = error.source?.pointer ?? error.source?.parameter;
      return `Qonto error on ${call}: HTTP ${error.status ?? '?'}${what ? ` ${what}` : ''}${pointer ? ` [${pointer}]` : ''}${attempts}${trace}`;
    }
    case 'network': {
      const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
      const reason = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : '';
      return `Could not reach Qonto${where} on ${call}${reason ? ` (${reason})` : ''}${attempts}`;
    }
    case 'timeout':
      return `Qonto${where} did not answer in time on ${call}${attempts}`;
    default:
      return error.message;
  }
}

function isMainModule(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainModule()) {
  process.exitCode = await runWebhooksCli(process.argv.slice(2), process.env, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}
