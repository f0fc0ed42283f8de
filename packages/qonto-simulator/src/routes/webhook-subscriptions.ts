import { CLIENT_INVOICES_WEBHOOK_TYPE, CLIENTS_WEBHOOK_TYPE } from '../wire.js';
import { notFound } from '../errors.js';
import { jsonResponse, noContent } from '../http.js';
import { generateWebhookSecret } from '../ids.js';
import { paginate, parsePageRequest } from '../pagination.js';
import { toWireSubscription } from '../representation.js';
import type { SimContext, SimRouter } from '../services.js';
import type { SubscriptionRecord } from '../types.js';
import { BodyValidator } from '../validation.js';

/** Webhook types a subscription may list (docs/qonto-facts.md#webhook-types). */
export const WEBHOOK_TYPES = [
  CLIENT_INVOICES_WEBHOOK_TYPE,
  CLIENTS_WEBHOOK_TYPE,
  'v1/transactions',
  'v1/accounts',
  'v1/organizations',
  'v1/memberships',
  'v1/consent-revocations',
  'v1/cards',
] as const;

interface SubscriptionFields {
  callback_url: string;
  types: string[];
  secret: string | undefined;
  description: string | null;
}

/** Validates a POST or PUT body (docs/qonto-facts.md#webhook-subscriptions, docs/qonto-facts.md#simulator-webhook-subscriptions): both need `callback_url` and `types`. */
function readSubscription(body: Record<string, unknown>): SubscriptionFields {
  const v = new BodyValidator(body);
  const callbackUrl = v.string('callback_url', { required: true, max: 512 });
  if (callbackUrl) {
    let ok = false;
    try {
      const url = new URL(callbackUrl);
      ok = url.protocol === 'https:' || url.protocol === 'http:';
    } catch {
      ok = false;
    }
    if (!ok) v.invalid('callback_url', 'callback_url must be an http(s) URL');
  }
  const rawTypes = v.raw('types');
  let types: string[] = [];
  if (rawTypes === undefined || rawTypes === null || (Array.isArray(rawTypes) && rawTypes.length === 0))
    v.blank('types', 'types needs at least one type');
  else if (!Array.isArray(rawTypes) || rawTypes.some((type) => typeof type !== 'string'))
    v.invalid('types', 'types must be a list of strings');
  else if (rawTypes.some((type) => !(WEBHOOK_TYPES as readonly string[]).includes(type as string))) v.notInList('types', WEBHOOK_TYPES);
  else types = [...new Set(rawTypes as string[])];
  const secret = v.string('secret');
  if (secret && (secret.length < 32 || secret.length > 128)) v.invalid('secret', 'secret must be 32 to 128 characters long');
  const description = v.string('description', { max: 256 });
  v.throwIfErrors();
  return { callback_url: callbackUrl ?? '', types, secret: secret ?? undefined, description: description ?? null };
}

function requireSubscription(ctx: SimContext): SubscriptionRecord {
  const subscription = ctx.services.store.getSubscription(ctx.org.id, ctx.params['id'] ?? '');
  if (!subscription) throw notFound('Webhook subscription not found.');
  return subscription;
}

function create(ctx: SimContext) {
  const { store } = ctx.services;
  const fields = readSubscription(ctx.json());
  const now = store.timestamp();
  const subscription: SubscriptionRecord = {
    id: store.newId(),
    organizationId: ctx.org.id,
    membership_id: ctx.org.membership_id,
    callback_url: fields.callback_url,
    types: fields.types,
    description: fields.description,
    secret: fields.secret ?? generateWebhookSecret(),
    created_at: now,
    updated_at: now,
  };
  store.putSubscription(subscription);
  return jsonResponse(201, toWireSubscription(subscription));
}

function replace(ctx: SimContext) {
  const { store } = ctx.services;
  const current = requireSubscription(ctx);
  const fields = readSubscription(ctx.json());
  const next: SubscriptionRecord = {
    ...current,
    callback_url: fields.callback_url,
    types: fields.types,
    description: fields.description,
    secret: fields.secret ?? current.secret,
    updated_at: store.timestamp(),
  };
  store.putSubscription(next);
  return jsonResponse(200, toWireSubscription(next));
}

function list(ctx: SimContext) {
  const page = parsePageRequest(ctx.query);
  const result = paginate(ctx.services.store.listSubscriptions(ctx.org.id), page);
  return jsonResponse(200, { subscriptions: result.items.map(toWireSubscription), meta: result.meta });
}

/** Registers the webhook subscription endpoints (docs/qonto-facts.md#webhook-subscriptions, docs/qonto-facts.md#simulator-webhook-subscriptions). */
export function registerWebhookSubscriptionRoutes(router: SimRouter): void {
  router
    .add('GET', '/v2/webhook_subscriptions', list)
    .add('POST', '/v2/webhook_subscriptions', create)
    .add('GET', '/v2/webhook_subscriptions/{id}', (ctx) => jsonResponse(200, toWireSubscription(requireSubscription(ctx))))
    .add('PUT', '/v2/webhook_subscriptions/{id}', replace)
    .add('DELETE', '/v2/webhook_subscriptions/{id}', (ctx) => {
      ctx.services.store.removeSubscription(ctx.org.id, requireSubscription(ctx).id);
      return noContent();
    });
}
