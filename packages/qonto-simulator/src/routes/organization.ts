import { jsonResponse } from '../http.js';
import { toWireOrganization } from '../representation.js';
import type { SimRouter } from '../services.js';

/** Registers `GET /v2/organization` and `GET /v2/einvoicing/settings` (docs/qonto-facts.md#organization, docs/qonto-facts.md#simulator-einvoicing-status-and-settings, docs/qonto-facts.md#simulator-out-of-scope). */
export function registerOrganizationRoutes(router: SimRouter): void {
  router
    .add('GET', '/v2/organization', (ctx) => jsonResponse(200, { organization: toWireOrganization(ctx.org) }))
    .add('GET', '/v2/einvoicing/settings', (ctx) =>
      jsonResponse(200, { sending_status: ctx.org.einvoicing.sending_status, receiving_status: ctx.org.einvoicing.receiving_status }),
    );
}
