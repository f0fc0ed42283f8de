/**
 * Client-side load of the fan-out benchmark: many graphql-ws connections, each multiplexing
 * several `clientInvoiceLifecycle` subscriptions, opened in batches; every message is timed
 * (performance.now()) and handed to one listener.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** One subscription of the plan. */
export interface PlannedSubscription {
  invoiceId: string;
  /** True for the subscriptions on the hot invoice (the ones whose latency is measured). */
  hot: boolean;
}

/** One WebSocket connection of the plan: one credential, several subscriptions. */
export interface PlannedConnection {
  authorization: string;
  subscriptions: PlannedSubscription[];
}

/** What a message listener gets. */
export interface ReceivedMessage {
  at: number;
  hot: boolean;
  invoiceId: string;
  data: Record<string, unknown> | null | undefined;
  errors: unknown;
}

export const LIFECYCLE_DOCUMENT = `subscription Watch($id: ID!) {
  clientInvoiceLifecycle(id: $id) {
    event { statusCode status label occurredAt cursor }
    invoice { id number einvoicingStatus }
  }
}`;

/** A running load. */
export interface FanoutLoad {
  clients: Client[];
  /** Subscription-level errors and unexpected completions seen so far. */
  problems: string[];
  close(): Promise<void>;
}

/**
 * Opens every planned connection (`lazy: false`, `batch` connections at a time, each awaited until
 * `connection_ack`), without subscribing yet.
 */
export async function openConnections(wsUrl: string, plan: PlannedConnection[], batch = 100): Promise<FanoutLoad> {
  const clients: Client[] = [];
  const problems: string[] = [];
  for (let start = 0; start < plan.length; start += batch) {
    await Promise.all(
      plan.slice(start, start + batch).map(
        (connection) =>
          new Promise<void>((resolve, reject) => {
            const client = createClient({
              url: wsUrl,
              webSocketImpl: WebSocket,
              connectionParams: { authorization: connection.authorization },
              lazy: false,
              retryAttempts: 0,
              onNonLazyError: (error) => {
                problems.push(`connection: ${describe(error)}`);
                reject(new Error(`connection failed: ${describe(error)}`));
              },
            });
            clients.push(client);
            const off = client.on('connected', () => {
              off();
              resolve();
            });
          }),
      ),
    );
  }
  return {
    clients,
    problems,
    close: async () => {
      await Promise.all(clients.map((client) => client.dispose()));
    },
  };
}

/** Starts every planned subscription on its connection; messages go to `onMessage`. */
export function subscribeAll(load: FanoutLoad, plan: PlannedConnection[], onMessage: (message: ReceivedMessage) => void): () => void {
  const disposers: Array<() => void> = [];
  plan.forEach((connection, index) => {
    const client = load.clients[index]!;
    for (const subscription of connection.subscriptions) {
      disposers.push(
        client.subscribe(
          { query: LIFECYCLE_DOCUMENT, variables: { id: subscription.invoiceId } },
          {
            next: (message) => {
              const at = performance.now();
              onMessage({
                at,
                hot: subscription.hot,
                invoiceId: subscription.invoiceId,
                data: message.data as Record<string, unknown> | null | undefined,
                errors: message.errors,
              });
            },
            error: (error) => load.problems.push(`subscription ${subscription.invoiceId}: ${describe(error)}`),
            complete: () => undefined,
          },
        ),
      );
    }
  });
  return () => {
    for (const dispose of disposers) dispose();
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (Array.isArray(error)) return error.map((e) => (e as { message?: string }).message ?? String(e)).join('; ');
  if (error && typeof error === 'object' && 'code' in error)
    return `close ${(error as { code: number }).code} ${(error as { reason?: string }).reason ?? ''}`;
  return String(error);
}
