import { Router } from '../router.js';
import type { SimRouter, SimulatorServices } from '../services.js';
import { registerAttachmentRoutes } from './attachments.js';
import { registerClientRoutes } from './clients.js';
import { registerImportRoutes } from './imports.js';
import { registerInvoiceRoutes } from './invoices.js';
import { registerOrganizationRoutes } from './organization.js';
import { registerWebhookSubscriptionRoutes } from './webhook-subscriptions.js';

/** Every `/v2` route of the simulator. */
export function createApiRouter(): SimRouter {
  const router = new Router<SimulatorServices>();
  registerClientRoutes(router);
  registerInvoiceRoutes(router);
  registerImportRoutes(router);
  registerOrganizationRoutes(router);
  registerWebhookSubscriptionRoutes(router);
  registerAttachmentRoutes(router);
  return router;
}
