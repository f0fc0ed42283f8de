import type { Money as MoneyShape } from '../domain/money.js';
import { builder } from './builder.js';

/** `Money { value currency cents }`: Qonto's decimal string with its integer cents. */
export const Money = builder.objectRef<MoneyShape>('Money').implement({
  description: 'An amount as Qonto sends it: a decimal string, its currency, and integer cents.',
  fields: (t) => ({
    value: t.exposeString('value', { description: 'Decimal string, e.g. "162.00".' }),
    currency: t.exposeString('currency'),
    cents: t.exposeInt('cents'),
  }),
});

/** `MoneyInput { value currency }`: an amount as a mutation sends it (decimal string). */
export const MoneyInput = builder.inputType('MoneyInput', {
  fields: (t) => ({
    value: t.string({ required: true, description: 'Decimal string, e.g. "162.00".' }),
    currency: t.string({ required: true, description: '"EUR", the only currency Qonto allows.' }),
  }),
});
