import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import {
  getOperationAST,
  GraphQLError,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
  type parse as graphqlParse,
  type validate as graphqlValidate,
} from 'graphql';
import type { Context } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { resolveCaller } from './auth.js';
import type { GatewayServices } from './context.js';
import type { AuthFailureLimiter } from './edge/auth-failures.js';
import type { AuthAttemptContext } from './edge/auth-outcome-plugin.js';
import { requestAddress, tooManyFailuresMessage } from './edge/http-auth-guard.js';
import { gatewayError } from './graphql/errors.js';
import { isCredentialBlocked } from './qonto/errors.js';

/** The close code of a refused `connection_init` (graphql-ws's Forbidden). */
export const WS_FORBIDDEN = 4403;

type OperationResult = ExecutionResult | AsyncIterable<ExecutionResult>;

/** Yoga's plugin pipeline for one operation, as the bridge uses it. */
interface Enveloped {
  schema: GraphQLSchema;
  parse: typeof graphqlParse;
  validate: typeof graphqlValidate;
  execute: (args: ExecutionArgs) => OperationResult | Promise<OperationResult>;
  subscribe: (args: ExecutionArgs) => OperationResult | Promise<OperationResult>;
  contextFactory: () => unknown;
}

/** What the bridge needs of yoga: `yoga.getEnveloped`. */
export interface EnvelopedGraphQL {
  getEnveloped(initialContext: Record<string, unknown>): Enveloped;
}

/** Options of {@link attachGraphqlWs}. */
export interface GraphqlWsBridgeOptions {
  /** The HTTP server whose upgrades on `path` become graphql-ws sockets. */
  server: Server;
  path: string;
  /** Largest message accepted, in bytes. */
  maxPayload: number;
  yoga: EnvelopedGraphQL;
  services: GatewayServices;
  /** Failed authentications per client address (shared with HTTP). */
  limiter: AuthFailureLimiter;
  logger: Logger;
}

/** The running bridge. */
export interface GraphqlWsBridge {
  /** Closes every socket (1001) and the WebSocket server. */
  close(): Promise<void>;
}

/** What the bridge remembers of one socket. */
interface SocketState {
  address: string;
  authorization: string | undefined;
  /** Ids of this socket's subscription operations (checked against graphql-ws's live ones). */
  subscriptions: Set<string>;
}

function authorizationParam(params: Record<string, unknown> | undefined): string | undefined {
  const value = params?.['authorization'] ?? params?.['Authorization'];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Serves graphql-ws (`graphql-transport-ws`) on `path` of `server`, every operation going through
 * yoga's plugins (GraphQL Armor limits, metrics, masking).
 *
 * - `connection_init`: the credential in `connectionParams.authorization` goes through the
 *   per-address limiter like an HTTP request. Forwarded credentials not yet verified are checked
 *   with Qonto's key check (`GET /v2/organization`, qonto-api.md §2.2); an address over its limit
 *   is refused (4403, the reason saying when to retry) without calling Qonto.
 * - `subscribe`: a parse, validation or limit error (syntax, depth, aliases, cost, tokens) is an
 *   `error` message for that operation only; the socket and its other operations live on. A socket
 *   runs at most `GATEWAY_MAX_SUBSCRIPTIONS_PER_SOCKET` subscriptions at once; the one past the cap
 *   gets `TOO_MANY_SUBSCRIPTIONS` for its id.
 */
export function attachGraphqlWs(options: GraphqlWsBridgeOptions): GraphqlWsBridge {
  const { services, limiter, logger, yoga } = options;
  const sockets = new WeakMap<object, SocketState>();
  const operations = new WeakMap<ExecutionArgs, Enveloped>();
  const wss = new WebSocketServer({ server: options.server, path: options.path, maxPayload: options.maxPayload });

  const stateOf = (ctx: Context<Record<string, unknown> | undefined, Extra>): SocketState => {
    let state = sockets.get(ctx);
    if (!state) {
      state = {
        address: requestAddress(ctx.extra.request, services.config.gateway.trustedProxies),
        authorization: authorizationParam(ctx.connectionParams),
        subscriptions: new Set(),
      };
      sockets.set(ctx, state);
    }
    return state;
  };

  const clientError = (id: string, errors: readonly GraphQLError[]): readonly GraphQLError[] => {
    logger.debug({ operationId: id, errors: errors.map((error) => error.message) }, 'graphql-ws operation refused');
    return errors;
  };

  const internalError = (error: unknown): GraphQLError => {
    logger.error({ err: error }, 'graphql-ws operation failed');
    return gatewayError('Unexpected error.', 'INTERNAL_SERVER_ERROR');
  };

  const run = async (args: ExecutionArgs, pick: (enveloped: Enveloped) => Enveloped['execute']): Promise<OperationResult> => {
    const enveloped = operations.get(args);
    if (!enveloped) return { errors: [internalError(new Error('graphql-ws operation without its pipeline'))] };
    try {
      return await pick(enveloped)(args);
    } catch (error) {
      return { errors: [error instanceof GraphQLError ? error : internalError(error)] };
    }
  };

  const server = useServer<Record<string, unknown> | undefined>(
    {
      onConnect: async (ctx) => {
        const { address, authorization } = stateOf(ctx);
        const resolution = resolveCaller(authorization, services.config.qonto.auth);
        if (resolution.ok && resolution.caller === null) return false;
        const admission = await limiter.admit(address, authorization);
        if (!admission.admitted) {
          ctx.extra.socket.close(WS_FORBIDDEN, tooManyFailuresMessage(admission.retryAfterMs));
          return false;
        }
        const { attempt } = admission;
        if (!resolution.ok || resolution.caller === null) {
          attempt.failed();
          return false;
        }
        if (admission.verified) return true;
        try {
          await services.transport.forAuthorization(resolution.caller.upstreamAuthorization).getOrganization();
        } catch (error) {
          if (isCredentialBlocked(error)) {
            attempt.failed();
            return false;
          }
          // Qonto unavailable: the credential was not refused; its operations will tell.
        }
        attempt.succeeded();
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        const state = stateOf(ctx);
        const authAttempt: AuthAttemptContext['authAttempt'] = limiter.observe(state.address, state.authorization);
        const enveloped = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          connectionParams: ctx.connectionParams ?? {},
          requestId: randomUUID(),
          access: {},
          authAttempt,
        });
        let reserved = false;
        try {
          const document = enveloped.parse(payload.query);
          const isSubscription = getOperationAST(document, payload.operationName)?.operation === 'subscription';
          if (isSubscription) {
            for (const live of state.subscriptions) if (!(live in ctx.subscriptions)) state.subscriptions.delete(live);
            const cap = services.config.gateway.maxSubscriptionsPerSocket;
            if (state.subscriptions.size >= cap) {
              return clientError(id, [gatewayError(`At most ${cap} subscriptions may run at once on one connection`, 'TOO_MANY_SUBSCRIPTIONS', { limit: cap })]);
            }
          }
          const errors = enveloped.validate(enveloped.schema, document);
          if (errors.length > 0) return clientError(id, errors);
          if (isSubscription) {
            state.subscriptions.add(id);
            reserved = true;
          }
          const args: ExecutionArgs = {
            schema: enveloped.schema,
            operationName: payload.operationName ?? null,
            document,
            variableValues: payload.variables ?? null,
            contextValue: await enveloped.contextFactory(),
          };
          operations.set(args, enveloped);
          return args;
        } catch (error) {
          if (reserved) state.subscriptions.delete(id);
          return error instanceof GraphQLError ? clientError(id, [error]) : [internalError(error)];
        }
      },
      execute: (args) => run(args, (enveloped) => enveloped.execute),
      subscribe: (args) => run(args, (enveloped) => enveloped.subscribe),
    },
    wss,
  );

  return {
    close: async () => {
      await server.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
