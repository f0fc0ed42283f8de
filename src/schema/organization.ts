import type { WireBankAccount, WireOrganization } from '../qonto/wire.js';
import { builder } from './builder.js';

/** `BankAccount`: one account of the organization; its IBAN can receive an invoice's payment. */
export const BankAccount = builder.objectRef<WireBankAccount>('BankAccount').implement({
  description: "One of the organization's bank accounts (docs/qonto-facts.md#organization).",
  fields: (t) => ({
    iban: t.string({ resolve: (a) => a.iban ?? '' }),
    name: t.string({ nullable: true, resolve: (a) => a.name ?? null }),
    currency: t.string({ nullable: true, resolve: (a) => a.currency ?? null }),
    main: t.boolean({ description: 'The main account: the default IBAN of a new invoice.', resolve: (a) => a.main === true }),
  }),
});

/** `Organization`: the caller's organization (`GET /v2/organization`). */
export const Organization = builder.objectRef<WireOrganization>('Organization').implement({
  description: 'The organization the credentials belong to.',
  fields: (t) => ({
    id: t.exposeID('id'),
    legalName: t.string({ nullable: true, resolve: (o) => o.legal_name ?? null }),
    bankAccounts: t.field({
      type: [BankAccount],
      description: 'Accounts with an IBAN.',
      resolve: (o) => (o.bank_accounts ?? []).filter((a) => typeof a.iban === 'string' && a.iban !== ''),
    }),
  }),
});

/** The IBAN of the organization's main account, else of its first account with an IBAN. */
export function defaultIban(organization: WireOrganization): string | undefined {
  const accounts = (organization.bank_accounts ?? []).filter((a) => typeof a.iban === 'string' && a.iban !== '');
  return (accounts.find((a) => a.main === true) ?? accounts[0])?.iban ?? undefined;
}

/** The organization's own spelling of `iban` (compared without spaces, ignoring case), or undefined. */
export function organizationIban(organization: WireOrganization, iban: string): string | undefined {
  const bare = (value: string) => value.replace(/\s+/g, '').toUpperCase();
  return (organization.bank_accounts ?? []).find((a) => a.iban && bare(a.iban) === bare(iban))?.iban ?? undefined;
}

builder.queryField('organization', (t) =>
  t.field({
    type: Organization,
    description: "The caller's organization and its bank accounts.",
    resolve: (_, __, ctx) => ctx.loaders.organization(),
  }),
);
