import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../src/cli/qonto-env.js';
import { runWebhooksCli, WEBHOOK_SCOPE, WEBHOOK_TYPE_SCOPES, WEBHOOKS_USAGE } from '../../src/cli/webhooks.js';
import { createSimulator, type DemoCredentials, type Simulator } from 'qonto-simulator';
import { json, startFakeQonto } from '../qonto/fake-qonto.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CALLBACK = 'https://gateway.example.com/webhooks/qonto';
const SECRET = 'whsec_0123456789abcdefghijklmnopqrstuv';

let sim: Simulator;
let demo: DemoCredentials;
let login: string;
let secretKey: string;
/** Every string the CLI must never print. */
let credentialsSecrets: string[];

beforeAll(async () => {
  sim = await createSimulator({ manualClock: true });
  demo = sim.credentials[0]!;
  const colon = demo.apiKey.indexOf(':');
  login = demo.apiKey.slice(0, colon);
  secretKey = demo.apiKey.slice(colon + 1);
  credentialsSecrets = [demo.apiKey, secretKey, demo.bearerToken];
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  for (const subscription of sim.store.listSubscriptions(demo.organizationId)) {
    sim.store.removeSubscription(demo.organizationId, subscription.id);
  }
  sim.resetRequests();
  sim.faults.reset();
});

function apiKeyEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { QONTO_API_URL: sim.url, QONTO_API_LOGIN: login, QONTO_API_SECRET_KEY: secretKey, ...extra };
}

function tokenEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { QONTO_API_URL: sim.url, QONTO_ACCESS_TOKEN: demo.bearerToken, ...extra };
}

/** Runs the CLI in-process and checks that nothing it printed holds a credential. */
async function run(argv: string[], env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runWebhooksCli(argv, env, { out: (line) => out.push(line), err: (line) => err.push(line) });
  for (const line of [...out, ...err]) {
    for (const secret of credentialsSecrets) expect(line).not.toContain(secret);
    expect(line).not.toMatch(/\n|^\s+at /);
  }
  return { code, out, err, text: out.join('\n') };
}

function printedSecrets(out: string[]): string[] {
  const line = out.find((l) => l.startsWith('QONTO_WEBHOOK_SECRET='));
  expect(line).toBeDefined();
  return line!.slice('QONTO_WEBHOOK_SECRET='.length).split(',');
}

function subscriptions() {
  return sim.store.listSubscriptions(demo.organizationId);
}

describe('register', () => {
  it('creates one subscription for both types and prints its secret', async () => {
    const result = await run(['register', '--url', CALLBACK], apiKeyEnv());

    expect(result.code).toBe(0);
    expect(result.err).toEqual([]);
    const stored = subscriptions();
    expect(stored).toHaveLength(1);
    const [subscription] = stored;
    expect(subscription!.callback_url).toBe(CALLBACK);
    expect(subscription!.types).toEqual(['v1/client-invoices', 'v1/clients']);
    expect(subscription!.description).toBe('qonto-einvoicing-gateway');
    expect(result.text).toContain(`Created webhook subscription ${subscription!.id} (v1/client-invoices, v1/clients)`);
    expect(printedSecrets(result.out)).toEqual([subscription!.secret]);
    expect(subscription!.secret).toMatch(/^whsec_/);
    expect(sim.requests.filter((r) => r.method === 'POST' && r.path === '/v2/webhook_subscriptions')).toHaveLength(1);
  });

  it('is visible through the API with a bearer token, and uses the given secret and description', async () => {
    const result = await run(['register', '--url', CALLBACK, '--secret', SECRET, '--description', 'prod gateway'], tokenEnv());

    expect(result.code).toBe(0);
    expect(printedSecrets(result.out)).toEqual([SECRET]);
    const response = await fetch(`${sim.url}/v2/webhook_subscriptions`, {
      headers: { authorization: `Bearer ${demo.bearerToken}` },
    });
    const body = (await response.json()) as {
      subscriptions: { callback_url: string; types: string[]; secret: string; description: string }[];
    };
    expect(body.subscriptions).toEqual([
      expect.objectContaining({
        callback_url: CALLBACK,
        types: ['v1/client-invoices', 'v1/clients'],
        secret: SECRET,
        description: 'prod gateway',
      }),
    ]);
  });

  it('--separate creates one subscription per type; distinct generated secrets are comma-separated', async () => {
    const result = await run(['register', '--url', CALLBACK, '--separate'], apiKeyEnv());

    expect(result.code).toBe(0);
    const stored = subscriptions();
    expect(stored.map((s) => s.types)).toEqual([['v1/client-invoices'], ['v1/clients']]);
    expect(result.out.filter((line) => line.startsWith('Created webhook subscription '))).toHaveLength(2);
    expect(printedSecrets(result.out)).toEqual(stored.map((s) => s.secret));
    expect(new Set(stored.map((s) => s.secret)).size).toBe(2);
  });

  it('--separate with --secret prints the shared secret once', async () => {
    const result = await run(['register', '--url', CALLBACK, '--separate', '--secret', SECRET], apiKeyEnv());

    expect(result.code).toBe(0);
    expect(subscriptions()).toHaveLength(2);
    expect(printedSecrets(result.out)).toEqual([SECRET]);
  });

  it('run twice, subscribes nothing the second time and prints the same secret', async () => {
    const first = await run(['register', '--url', CALLBACK], apiKeyEnv());
    expect(first.code).toBe(0);
    sim.resetRequests();

    const again = await run(['register', '--url', `${CALLBACK}/`], apiKeyEnv());

    expect(again.code).toBe(0);
    const stored = subscriptions();
    expect(stored).toHaveLength(1);
    expect(again.out[0]).toBe(
      `Already subscribed: ${stored[0]!.id} (v1/client-invoices, v1/clients) -> ${CALLBACK}; not subscribing it again (--force would).`,
    );
    expect(printedSecrets(again.out)).toEqual([stored[0]!.secret]);
    expect(sim.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v2/webhook_subscriptions']);
  });

  it('subscribes only the types the URL does not receive yet; other URLs do not count', async () => {
    await run(['register', '--url', 'https://other.example.com/webhooks/qonto'], apiKeyEnv());
    await run(['register', '--url', CALLBACK, '--separate'], apiKeyEnv());
    const clientsOnly = subscriptions().find((s) => s.callback_url === CALLBACK && s.types.includes('v1/clients'))!;
    sim.store.removeSubscription(demo.organizationId, clientsOnly.id);

    const result = await run(['register', '--url', CALLBACK], apiKeyEnv());

    expect(result.code).toBe(0);
    const mine = subscriptions().filter((s) => s.callback_url === CALLBACK);
    expect(mine.map((s) => s.types)).toEqual([['v1/client-invoices'], ['v1/clients']]);
    expect(result.out.filter((line) => line.startsWith('Already subscribed: '))).toHaveLength(1);
    expect(result.out.filter((line) => line.startsWith('Created webhook subscription '))).toEqual([
      expect.stringContaining('(v1/clients)'),
    ]);
    expect(printedSecrets(result.out).sort()).toEqual(mine.map((s) => s.secret).sort());
  });

  it('keeps the configured secret when Qonto does not list the existing subscription’s', async () => {
    // Qonto leaves the list's fields undocumented (docs/qonto-facts.md#webhook-subscriptions):
    // a Qonto that omits `secret`
    const qonto = await startFakeQonto((req, res) =>
      req.method === 'GET'
        ? json(res, 200, {
            webhook_subscriptions: [{ id: 'sub-1', callback_url: CALLBACK, types: ['v1/client-invoices', 'v1/clients'] }],
            meta: { current_page: 1, next_page: null, prev_page: null, total_pages: 1, total_count: 1, per_page: 100 },
          })
        : json(res, 500, {}),
    );
    try {
      const result = await run(['register', '--url', CALLBACK], { ...apiKeyEnv(), QONTO_API_URL: qonto.url });
      expect(result.code).toBe(0);
      expect(result.out).toEqual([
        `Already subscribed: sub-1 (v1/client-invoices, v1/clients) -> ${CALLBACK}; not subscribing it again (--force would).`,
        'Qonto does not show the secret of sub-1: keep the one already in QONTO_WEBHOOK_SECRET.',
      ]);
      expect(qonto.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v2/webhook_subscriptions']);
    } finally {
      await qonto.close();
    }
  });

  it('--force subscribes again (duplicate deliveries, on purpose)', async () => {
    await run(['register', '--url', CALLBACK], apiKeyEnv());
    sim.resetRequests();

    const result = await run(['register', '--url', CALLBACK, '--force', '--secret', SECRET], apiKeyEnv());

    expect(result.code).toBe(0);
    expect(subscriptions()).toHaveLength(2);
    expect(printedSecrets(result.out)).toEqual([SECRET]);
    expect(sim.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v2/webhook_subscriptions']);
  });

  it('allows an http callback against a loopback simulator', async () => {
    const result = await run(['register', '--url', 'http://127.0.0.1:4000/webhooks/qonto'], apiKeyEnv());

    expect(result.code).toBe(0);
    expect(subscriptions().map((s) => s.callback_url)).toEqual(['http://127.0.0.1:4000/webhooks/qonto']);
  });

  it('warns (but registers) when the path is not the receiver path', async () => {
    const result = await run(['register', '--url', 'https://gateway.example.com/hooks'], apiKeyEnv());

    expect(result.code).toBe(0);
    expect(result.err).toEqual([expect.stringMatching(/^Warning: the gateway receives webhooks at \/webhooks\/qonto/)]);
    expect(subscriptions()).toHaveLength(1);
  });

  it('refuses a non-https URL against real Qonto without making any call', async () => {
    const result = await run(
      ['register', '--url', 'http://gateway.example.com/webhooks/qonto'],
      // .invalid never resolves: a request would fail differently (and slowly).
      apiKeyEnv({ QONTO_API_URL: 'https://thirdparty.qonto.invalid' }),
    );

    expect(result.code).toBe(1);
    expect(result.out).toEqual([]);
    expect(result.err).toEqual([
      'Invalid --url: must be https against real Qonto (QONTO_API_URL host thirdparty.qonto.invalid is not loopback); no subscription was created',
    ]);
    expect(sim.requests).toHaveLength(0);
  });

  it.each([
    [['register'], /^Invalid --url: required/],
    [['register', '--url', 'gateway.example.com/webhooks/qonto'], /^Invalid --url: must be an absolute URL/],
    [['register', '--url', 'ftp://gateway.example.com/webhooks/qonto'], /^Invalid --url: must be an https URL/],
    [['register', '--url', `https://gateway.example.com/${'a'.repeat(500)}`], /^Invalid --url: must be at most 512 characters/],
    [['register', '--url', CALLBACK, '--secret', 'short'], /^Invalid --secret: must be 32 to 128 characters long \(got 5\)$/],
    [['register', '--url', CALLBACK, '--secret', 'x'.repeat(129)], /^Invalid --secret: must be 32 to 128 characters long \(got 129\)$/],
    [['register', '--url', CALLBACK, '--description', 'd'.repeat(257)], /^Invalid --description: must be at most 256/],
    [
      ['register', '--url', CALLBACK, '--types', 'v1/cards'],
      /^Unknown option '--types' \(for register\)\. Run "npm run webhooks -- --help" for usage\.$/,
    ],
    [['register', '--url'], /^Option '--url <value>' argument missing \(for register\)/],
  ])('rejects %j with one line and no call', async (argv, message) => {
    const result = await run(argv, apiKeyEnv());

    expect(result.code).toBe(1);
    expect(result.err).toHaveLength(1);
    expect(result.err[0]).toMatch(message);
    expect(sim.requests).toHaveLength(0);
    expect(subscriptions()).toHaveLength(0);
  });
});

describe('list', () => {
  it('shows id, callback_url, types and created_at, without secrets', async () => {
    expect((await run(['register', '--url', CALLBACK, '--separate'], apiKeyEnv())).code).toBe(0);
    const stored = subscriptions();

    const result = await run(['list'], tokenEnv());

    expect(result.code).toBe(0);
    expect(result.out).toHaveLength(3);
    expect(result.out[0]).toMatch(/^ID\s+CALLBACK_URL\s+TYPES\s+CREATED_AT$/);
    for (const [index, subscription] of stored.entries()) {
      expect(result.out[index + 1]!.split(/\s+/)).toEqual([
        subscription.id,
        CALLBACK,
        subscription.types.join(','),
        subscription.created_at,
      ]);
      expect(result.text).not.toContain(subscription.secret);
    }
    expect(result.text).not.toMatch(/whsec_|secret/i);
  });

  it('--show-secrets adds a SECRET column', async () => {
    expect((await run(['register', '--url', CALLBACK, '--secret', SECRET], apiKeyEnv())).code).toBe(0);

    const result = await run(['list', '--show-secrets'], apiKeyEnv());

    expect(result.code).toBe(0);
    expect(result.out[0]).toMatch(/\s+SECRET$/);
    expect(result.out[1]).toMatch(new RegExp(`\\s${SECRET}$`));
  });

  it('says so when there is none', async () => {
    const result = await run(['list'], apiKeyEnv());

    expect(result).toMatchObject({ code: 0, out: ['No webhook subscriptions.'], err: [] });
  });
});

describe('delete', () => {
  it('deletes the subscription and confirms', async () => {
    expect((await run(['register', '--url', CALLBACK, '--separate'], apiKeyEnv())).code).toBe(0);
    const [first, second] = subscriptions();

    const result = await run(['delete', first!.id], apiKeyEnv());

    expect(result.code).toBe(0);
    expect(result.out[0]).toBe(`Deleted webhook subscription ${first!.id}.`);
    expect(subscriptions().map((s) => s.id)).toEqual([second!.id]);
  });

  it('an unknown id is one line and exit 1', async () => {
    const id = '0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee';

    const result = await run(['delete', id], apiKeyEnv());

    expect(result.code).toBe(1);
    expect(result.out).toEqual([]);
    expect(result.err).toHaveLength(1);
    expect(result.err[0]).toMatch(new RegExp(`^No webhook subscription ${id}: Qonto answered HTTP 404 \\(trace \\w+\\)`));
  });

  it('needs exactly one id', async () => {
    for (const argv of [['delete'], ['delete', 'a', 'b']]) {
      const result = await run(argv, apiKeyEnv());
      expect(result.code).toBe(1);
      expect(result.err).toEqual([expect.stringMatching(/^delete needs exactly one subscription id/)]);
    }
    expect(sim.requests).toHaveLength(0);
  });
});

describe('environment and Qonto errors', () => {
  it.each([
    [
      { QONTO_API_LOGIN: undefined, QONTO_API_SECRET_KEY: undefined },
      /^Invalid QONTO_API_LOGIN: credentials required: set QONTO_API_LOGIN \+ QONTO_API_SECRET_KEY, or QONTO_ACCESS_TOKEN$/,
    ],
    [{ QONTO_API_SECRET_KEY: '' }, /^Invalid QONTO_API_SECRET_KEY: QONTO_API_LOGIN and QONTO_API_SECRET_KEY go together$/],
    [{ QONTO_API_URL: undefined }, /^Invalid QONTO_API_URL: required/],
    [{ QONTO_API_URL: 'not a url' }, /^Invalid QONTO_API_URL: must be an http\(s\) URL$/],
    [{ QONTO_ENVIRONMENT: 'staging' }, /^Invalid QONTO_ENVIRONMENT: must be "production" or "sandbox"$/],
    [
      { QONTO_API_URL: 'https://thirdparty-sandbox.staging.qonto.co' },
      /^Invalid QONTO_STAGING_TOKEN: required when QONTO_ENVIRONMENT is sandbox$/,
    ],
  ])('%j: one line naming the variable, exit 1, no call', async (override, message) => {
    for (const argv of [['register', '--url', CALLBACK], ['list'], ['delete', 'x']]) {
      const result = await run(argv, apiKeyEnv(override));
      expect(result.code).toBe(1);
      expect(result.out).toEqual([]);
      expect(result.err).toHaveLength(1);
      expect(result.err[0]).toMatch(message);
    }
    expect(sim.requests).toHaveLength(0);
  });

  it('does not need QONTO_WEBHOOK_SECRET nor GATEWAY_API_KEYS, whatever QONTO_AUTH_MODE says', async () => {
    const result = await run(['list'], apiKeyEnv({ QONTO_AUTH_MODE: 'static', QONTO_WEBHOOK_SECRET: '' }));

    expect(result.code).toBe(0);
  });

  it('a Qonto error is one line with status, code, detail and trace id, and never the credentials', async () => {
    const result = await run(['list'], apiKeyEnv({ QONTO_API_SECRET_KEY: `${secretKey}-wrong` }));

    expect(result.code).toBe(1);
    expect(result.out).toEqual([]);
    expect(result.err).toHaveLength(2);
    expect(result.err[0]).toMatch(/^Qonto error on GET \/v2\/webhook_subscriptions: HTTP 401 unauthorized: .+ \(trace \w+\)$/);
  });

  it('a failed register is one line and creates nothing', async () => {
    sim.faults.set({ failNext: { count: 1, status: 503, routes: ['POST /v2/webhook_subscriptions'] } });

    const result = await run(['register', '--url', CALLBACK], apiKeyEnv({ QONTO_MAX_RETRIES: '0' }));

    expect(result.code).toBe(1);
    expect(result.out).toEqual([]);
    expect(result.err).toEqual([expect.stringMatching(/^Qonto error on POST \/v2\/webhook_subscriptions: HTTP 503 .*\(trace \w+\)$/)]);
    expect(subscriptions()).toHaveLength(0);
  });

  it('an unreachable Qonto is one line', async () => {
    const closed = await createSimulator({ manualClock: true });
    const url = closed.url;
    await closed.close();

    const result = await run(['list'], apiKeyEnv({ QONTO_API_URL: url, QONTO_MAX_RETRIES: '0' }));

    expect(result.code).toBe(1);
    expect(result.err).toEqual([expect.stringMatching(new RegExp(`^Could not reach Qonto at ${url} on GET /v2/webhook_subscriptions`))]);
  });
});

describe('usage', () => {
  it('--help prints the usage on stdout and exits 0', async () => {
    for (const argv of [['--help'], ['-h'], ['register', '--help'], ['list', '-h']]) {
      const result = await run(argv, {});
      expect(result.code).toBe(0);
      expect(result.text).toBe(WEBHOOKS_USAGE);
      expect(result.err).toEqual([]);
    }
    expect(WEBHOOKS_USAGE).toMatch(/^Usage: npm run webhooks -- <command> \[options\]/);
  });

  it('no command or an unknown one prints the usage on stderr and exits 1', async () => {
    const none = await run([], {});
    expect(none.code).toBe(1);
    expect(none.err[0]).toBe('Missing command: expected register, list or delete.');
    expect(none.err.slice(1).join('\n')).toBe(WEBHOOKS_USAGE);

    const unknown = await run(['subscribe'], {});
    expect(unknown.code).toBe(1);
    expect(unknown.err[0]).toBe('Unknown command "subscribe": expected register, list or delete.');
    expect(sim.requests).toHaveLength(0);
  });

  it('the real entry point answers --help with exit 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/webhooks.ts', '--help'], { cwd: root });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];

    expect(code).toBe(0);
    expect(stdout).toBe(`${WEBHOOKS_USAGE}\n`);
  });

  it('the real entry point exits 1 on a bad argument', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/webhooks.ts', 'register', '--url', CALLBACK, '--secret', 'short'], {
      cwd: root,
      env: { ...process.env, QONTO_API_URL: 'https://thirdparty.qonto.invalid', QONTO_ACCESS_TOKEN: 'token' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];

    expect(code).toBe(1);
    expect(stderr).toBe('Invalid --secret: must be 32 to 128 characters long (got 5)\n');
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.12.0.3', true],
    ['localhost', true],
    ['LOCALHOST', true],
    ['[::1]', true],
    ['[::ffff:7f00:1]', true],
    ['thirdparty.qonto.com', false],
    ['10.0.0.1', false],
    ['128.0.0.1', false],
    ['[::2]', false],
    ['localhost.example.com', false],
    ['simulator', false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

// docs/qonto-facts.md#webhook-subscriptions: which credentials may manage subscriptions
describe('credential errors', () => {
  it('the help names OAuth as the documented credential and the scopes of each type', () => {
    expect(WEBHOOKS_USAGE).toContain('Qonto documents the webhook subscription endpoints for OAuth 2.0 only');
    expect(WEBHOOKS_USAGE).toContain('client_invoices.read for v1/client-invoices, organization.read for v1/clients');
    expect(WEBHOOKS_USAGE).toMatch(/scope webhook plus/);
    expect(WEBHOOKS_USAGE).toMatch(/API key\s+may manage subscriptions is unverified/);
    expect(WEBHOOK_SCOPE).toBe('webhook');
    expect(WEBHOOK_TYPE_SCOPES).toEqual({ 'v1/client-invoices': 'client_invoices.read', 'v1/clients': 'organization.read' });
  });

  it('401 with a wrong API key: says the API key was refused and asks for an OAuth token with the scopes', async () => {
    const result = await run(['list'], apiKeyEnv({ QONTO_API_SECRET_KEY: `${secretKey}-wrong` }));

    expect(result.code).toBe(1);
    expect(result.err).toHaveLength(2);
    expect(result.err[1]).toMatch(/^HTTP 401 means Qonto did not accept the API key \(QONTO_API_LOGIN \+ QONTO_API_SECRET_KEY\)/);
    expect(result.err[1]).toContain('documented for OAuth 2.0 only');
    expect(result.err[1]).toContain('QONTO_ACCESS_TOKEN');
    expect(result.err[1]).toContain('webhook plus client_invoices.read (v1/client-invoices) and organization.read (v1/clients)');
  });

  it('401 with a wrong access token: says the token is wrong or expired', async () => {
    const result = await run(['register', '--url', CALLBACK], tokenEnv({ QONTO_ACCESS_TOKEN: 'expired-token' }));

    expect(result.code).toBe(1);
    expect(result.err[0]).toMatch(/HTTP 401 unauthorized/);
    expect(result.err[1]).toMatch(
      /^HTTP 401 means Qonto did not accept the access token \(QONTO_ACCESS_TOKEN\): it is wrong, revoked or expired/,
    );
    expect(subscriptions()).toHaveLength(0);
  });

  it('403 with an access token: names the missing scopes', async () => {
    sim.faults.set({ failNext: { count: 1, status: 403, routes: ['POST /v2/webhook_subscriptions'] } });

    const result = await run(['register', '--url', CALLBACK], tokenEnv());

    expect(result.code).toBe(1);
    expect(result.out).toEqual([]);
    expect(result.err).toEqual([
      expect.stringMatching(/^Qonto error on POST \/v2\/webhook_subscriptions: HTTP 403 forbidden: .+\(trace \w+\)$/),
      expect.stringMatching(
        /^HTTP 403 means Qonto accepted the access token \(QONTO_ACCESS_TOKEN\) but it lacks a scope: .*webhook plus client_invoices\.read \(v1\/client-invoices\) and organization\.read \(v1\/clients\)/,
      ),
    ]);
    expect(subscriptions()).toHaveLength(0);
  });

  it('403 with an API key: says subscriptions are documented for OAuth only and to use QONTO_ACCESS_TOKEN', async () => {
    sim.faults.set({ failNext: { count: 1, status: 403, routes: ['GET /v2/webhook_subscriptions'] } });

    const result = await run(['list'], apiKeyEnv());

    expect(result.code).toBe(1);
    expect(result.err[1]).toMatch(/^HTTP 403 means Qonto accepted the API key but will not let it manage webhook subscriptions/);
    expect(result.err[1]).toContain('set QONTO_ACCESS_TOKEN');
  });

  it('other errors get no credential hint', async () => {
    sim.faults.set({ failNext: { count: 1, status: 503, routes: ['GET /v2/webhook_subscriptions'] } });

    const result = await run(['list'], apiKeyEnv({ QONTO_MAX_RETRIES: '0' }));

    expect(result.err).toHaveLength(1);
  });
});
