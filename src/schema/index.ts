import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './money.js';
import './address.js';
import './lifecycle-event.js';
import './attachment.js';
import './client.js';
import './einvoicing-eligibility.js';
import './einvoicing-settings.js';
import './client-invoice.js';
import './errors.js';
import './send-invoice-by-einvoice.js';
import './send-invoice-by-email.js';
import './import-client-invoices.js';
import './mark-as-paid.js';
import './organization.js';
import './client-mutations.js';
import './invoice-mutations.js';
import './lifecycle-subscription.js';

/** The gateway's GraphQL schema, assembled from one file per domain type. */
export const schema = lexicographicSortSchema(builder.toSchema());
