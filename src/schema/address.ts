import type { WireAddress } from '../qonto/wire.js';
import { builder } from './builder.js';

/** `Address`: a client's billing or delivery address. */
export const Address = builder.objectRef<WireAddress>('Address').implement({
  fields: (t) => ({
    streetAddress: t.string({ nullable: true, resolve: (a) => a.street_address ?? null }),
    city: t.string({ nullable: true, resolve: (a) => a.city ?? null }),
    zipCode: t.string({ nullable: true, resolve: (a) => a.zip_code ?? null }),
    provinceCode: t.string({ nullable: true, resolve: (a) => a.province_code ?? null }),
    countryCode: t.string({ nullable: true, resolve: (a) => a.country_code ?? null }),
  }),
});

/** `AddressInput`: a billing address as a client mutation sends it (`billing_address`). */
export const AddressInput = builder.inputType('AddressInput', {
  fields: (t) => ({
    streetAddress: t.string(),
    city: t.string(),
    zipCode: t.string(),
    provinceCode: t.string(),
    countryCode: t.string({ description: 'ISO 3166-1 alpha-2, e.g. "FR".' }),
  }),
});
