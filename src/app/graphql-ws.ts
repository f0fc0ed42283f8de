import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
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
import { WebSocketServer, type WebSocket } from 'ws';
import { resolveCaller } from '../auth.js';
import type { GatewayServices } from '../context.js';
import type { AuthFailureLimiter } from '../edge/auth-failures.js';
import type { AuthAttemptContext } from '../edge/auth-outcome-plugin.js';
import { requestAddress, tooManyFailuresMessage } from '../edge/http-auth-guard.js';
import { gatewayError } from '../graphql/errors.js';
import { isCredentialBlocked } from '../qonto/errors.js';

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

/** A socket at its `connection_init`, as {@link GraphqlWsHooks.connect} sees it. */
export interface GraphqlWsConnection {
  /** The HTTP upgrade request. */
  request: IncomingMessage;
  socket: WebSocket;
  connectionParams: Record<string, unknown> | undefined;
}

/** Who may connect, and what each operation's context gets from its socket. */
export interface GraphqlWsHooks<TSocket> {
  /**
   * Decides a `connection_init`: what the bridge keeps for the socket, or `false` to refuse it
   * (graphql-ws closes it with 4403, unless the hook closed it first with its own reason).
   */
  connect(connection: GraphqlWsConnection): TSocket | false | Promise<TSocket | false>;
  /** Added to the initial context of each operation of the socket. */
  operationContext(socket: TSocket): Record<string, unknown>;
}

/** Options of {@link attachGraphqlWs}. */
export interface GraphqlWsBridgeOptions<TSocket> {
  /** The HTTP server whose upgrades on `path` become graphql-ws sockets. */
  server: Server;
  path: string;
  /** Largest message accepted, in bytes. */
  maxPayload: number;
  yoga: EnvelopedGraphQL;
  /** Default: every socket is admitted and operations get nothing more in their context. */
  hooks?: GraphqlWsHooks<TSocket>;
  /** Subscriptions one socket may run at once; the one past it gets `TOO_MANY_SUBSCRIPTIONS`. Default: no limit. */
  maxSubscriptionsPerSocket?: number;
  /** Where refused and failed operations are logged. Default: nowhere. */
  logger?: Logger;
}

/** The running bridge. */
export interface GraphqlWsBridge {
  /** WebSockets open now. */
  readonly openSockets: number;
  /** Closes every socket (1001) and the WebSocket server. */
  close(): Promise<void>;
}

/** What the bridge remembers of one admitted socket. */
interface SocketState<TSocket> {
  hooked: TSocket;
  /** Ids of this socket's subscription operations (checked against graphql-ws's live ones). */
  subscriptions: Set<string>;
}

const ADMIT_ALL: GraphqlWsHooks<null> = { connect: () => null, operationContext: () => ({}) };

/**
 * Serves graphql-ws (`graphql-transport-ws`) on `path` of `server`, every operation going through
 * yoga's plugins (GraphQL Armor limits, metrics, masking). `hooks` admit sockets at
 * `connection_init` (the gateway's: {@link gatewayGraphqlWsHooks}). On `subscribe`, a parse,
 * validation or limit error (syntax, depth, aliases, cost, tokens) is an `error` message for that
 * operation only; the socket and its other operations live on.
 */
export function attachGraphqlWs<TSocket = null>(options: GraphqlWsBridgeOptions<TSocket>): GraphqlWsBridge {
  const { yoga, logger } = options;
  const hooks = options.hooks ?? (ADMIT_ALL as unknown as GraphqlWsHooks<TSocket>);
  const cap = options.maxSubscriptionsPerSocket;
  const sockets = new WeakMap<object, SocketState<TSocket>>();
  const operations = new WeakMap<ExecutionArgs, Enveloped>();
  const wss = new WebSocketServer({ server: options.server, path: options.path, maxPayload: options.maxPayload });

  const clientError = (id: string, errors: readonly GraphQLError[]): readonly GraphQLError[] => {
    logger?.debug({ operationId: id, errors: errors.map((error) => error.message) }, 'graphql-ws operation refused');
    return errors;
  };

  const internalError = (error: unknown): GraphQLError => {
    logger?.error({ err: error }, 'graphql-ws operation failed');
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
      onConnect: async (ctx: Context<Record<string, unknown> | undefined, Extra>) => {
        const hooked = await hooks.connect({
          request: ctx.extra.request,
          socket: ctx.extra.socket,
          connectionParams: ctx.connectionParams,
        });
        if (hooked === false) return false;
        sockets.set(ctx, { hooked, subscriptions: new Set() });
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        const state = sockets.get(ctx);
        if (!state) return [internalError(new Error('graphql-ws operation on a socket never admitted'))];
        const enveloped = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          connectionParams: ctx.connectionParams ?? {},
          ...hooks.operationContext(state.hooked),
        });
        let reserved = false;
        try {
          const document = enveloped.parse(payload.query);
          const isSubscription = cap !== undefined && getOperationAST(document, payload.operationName)?.operation === 'subscription';
          if (isSubscription) {
            for (const live of state.subscriptions) if (!(live in ctx.subscriptions)) state.subscriptions.delete(live);
            if (state.subscriptions.size >= cap) {
              return clientError(id, [
                gatewayError(`At most ${cap} subscriptions may run at once on one connection`, 'TOO_MANY_SUBSCRIPTIONS', { limit: cap }),
              ]);
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
    get openSockets() {
      return wss.clients.size;
    },
    close: async () => {
      await server.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** What the gateway keeps of a socket: where it comes from and the credential it presented. */
export interface GatewaySocket {
  address: string;
  authorization: string | undefined;
}

function authorizationParam(params: Record<string, unknown> | undefined): string | undefined {
  const value = params?.['authorization'] ?? params?.['Authorization'];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The gateway's admission of graphql-ws sockets. At `connection_init`, the credential in
 * `connectionParams.authorization` goes through the per-address limiter like an HTTP request:
 * an address over its limit is refused (4403, the reason saying when to retry) without calling
 * Qonto; a forwarded credential not yet verified is checked with Qonto's key check
 * (`GET /v2/organization`, docs/qonto-facts.md#authentication). Each operation's context gets a
 * request id, the request log's `access` record and the credential's auth attempt.
 */
export function gatewayGraphqlWsHooks(services: GatewayServices, limiter: AuthFailureLimiter): GraphqlWsHooks<GatewaySocket> {
  return {
    connect: async ({ request, socket, connectionParams }) => {
      const address = requestAddress(request, services.config.gateway.trustedProxies);
      const authorization = authorizationParam(connectionParams);
      const resolution = resolveCaller(authorization, services.config.qonto.auth);
      if (resolution.ok && resolution.caller === null) return false;
      const admission = await limiter.admit(address, authorization);
      if (!admission.admitted) {
        socket.close(WS_FORBIDDEN, tooManyFailuresMessage(admission.retryAfterMs));
        return false;
      }
      const { attempt } = admission;
      if (!resolution.ok || resolution.caller === null) {
        attempt.failed();
        return false;
      }
      if (!admission.verified) {
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
      }
      return { address, authorization };
    },
    operationContext: ({ address, authorization }) => {
      const authAttempt: AuthAttemptContext['authAttempt'] = limiter.observe(address, authorization);
      return { requestId: randomUUID(), access: {}, authAttempt };
    },
  };
}
