/**
 * Fan-out benchmark child: the Qonto simulator on its own process, manual clock (only the
 * benchmark's trigger appends lifecycle events), rate limits raised out of the way, plus extra
 * tenant organisations cloned from the demo one so that subscriptions can spread over many
 * credentials. Driven over IPC (bench/lib/fanout-ipc.ts).
 */
import { createSimulator, embeddedClient, SEED, type ClientRecord, type InvoiceRecord, type OrganizationRecord } from 'qonto-simulator';
import { writeHeapSnapshot } from 'node:v8';
import { collectAndMeasure, nowMs, serveParent } from '../lib/fanout-ipc.js';

const sim = await createSimulator({
  manualClock: true,
  stepIntervalMs: 3_600_000,
  rateLimit: { perTenSeconds: 1e9, perTenMinutes: 1e9, unauthorizedPerHour: 1e9 },
  webhookTimeoutMs: 10_000,
});
const { store } = sim;

/** A tenant: one organisation, its credential and the invoices its users watch. */
interface Tenant {
  organizationId: string;
  authorization: string;
  invoiceIds: string[];
}

/** Clones the demo organisation `count` times (new ids, tokens, clients and invoices). */
function cloneTenants(count: number, invoicesPerTenant: number): Tenant[] {
  const template = store.getOrganization(SEED.atelier.organizationId)!;
  const templateClients = store.clientRecords(template.id);
  const templateInvoices = store.invoiceRecords(template.id).filter((invoice) => invoice.status !== 'draft');
  if (templateInvoices.length < invoicesPerTenant) throw new Error(`only ${templateInvoices.length} finalized invoices per tenant`);
  const tenants: Tenant[] = [];
  for (let t = 1; t <= count; t++) {
    const org: OrganizationRecord = {
      ...structuredClone(template),
      id: store.newId(),
      membership_id: store.newId(),
      slug: `bench-tenant-${t}`,
      legal_name: `Bench Tenant ${t} SAS`,
      bearer_token: `bench_tenant_${t}_token_${t * 7919}`,
      api_key: `bench-tenant-${t}:${'s'.repeat(24)}${t}`,
    };
    store.addOrganization(org);
    const clientIds = new Map<string, string>();
    for (const client of templateClients) {
      const copy: ClientRecord = { ...structuredClone(client), id: store.newId(), organizationId: org.id };
      clientIds.set(client.id, copy.id);
      store.addClient(copy);
    }
    const invoiceIds: string[] = [];
    for (const invoice of store.invoiceRecords(template.id)) {
      const clientId = invoice.clientId ? (clientIds.get(invoice.clientId) ?? null) : null;
      const client = clientId ? store.clientRecord(org.id, clientId) : undefined;
      const copy: InvoiceRecord = {
        ...structuredClone({ ...invoice, file: null }),
        file: invoice.file,
        id: store.newId(),
        organizationId: org.id,
        clientId,
        client: client ? embeddedClient(client) : null,
      };
      store.addInvoice(copy);
      if (copy.status !== 'draft' && invoiceIds.length < invoicesPerTenant) invoiceIds.push(copy.id);
    }
    tenants.push({ organizationId: org.id, authorization: `Bearer ${org.bearer_token}`, invoiceIds });
  }
  return tenants;
}

serveParent(
  {
    setup: ({ tenants, invoicesPerTenant }: { tenants: number; invoicesPerTenant: number }) => ({
      hot: {
        organizationId: SEED.atelier.organizationId,
        authorization: `Bearer ${SEED.atelier.bearerToken}`,
        invoiceId: SEED.atelier.invoices.readyToSend,
      },
      tenants: cloneTenants(tenants, invoicesPerTenant),
    }),
    registerWebhooks: ({ url, secret }: { url: string; secret: string }) =>
      store.subscribeEveryOrganization(url, secret, 'fan-out benchmark'),
    /** Appends one lifecycle event: the store sends its signed `v1/client-invoices` webhook. */
    trigger: ({ organizationId, invoiceId, statusCode }: { organizationId: string; invoiceId: string; statusCode: string }) => {
      const at = nowMs();
      store.appendLifecycleEvent(organizationId, invoiceId, { status_code: statusCode });
      return { at };
    },
    mark: () => sim.requests.length,
    requestsSince: ({ mark }: { mark: number }) =>
      sim.requests.slice(mark).map(({ method, path, status, at }) => ({ method, path, status, at })),
    deliveriesSince: ({ since }: { since: number }) => sim.webhooks.deliveries.filter((delivery) => delivery.at >= since),
    memory: () => collectAndMeasure(),
    cpu: () => process.cpuUsage(),
    heapSnapshot: ({ path }: { path: string }) => writeHeapSnapshot(path),
  },
  { url: sim.url },
  () => sim.close(),
);
