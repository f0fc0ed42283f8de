import { jsonResponse } from '../http.js';
import { toWireOrganization } from '../representation.js';
import type { SimRouter } from '../services.js';

/** Registers `GET /v2/organization` and `GET /v2/einvoicing/settings` (§9, S22, S27). */
export function registerOrganizationRoutes(router: SimRouter): void {
  router
    .add('GET', '/v2/organization', (ctx) => jsonResponse(200, { organization: toWireOrganization(ctx.org) }))
    .add('GET', '/v2/einvoicing/settings', (ctx) =>
      jsonResponse(200, { sending_status: ctx.org.einvoicing.sending_status, receiving_status: ctx.org.einvoicing.receiving_status }),
    );
}
