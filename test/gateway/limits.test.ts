import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => stack.sim.resetRequests());

const DASHBOARD =
  'clientInvoices(first: 50) { totalCount edges { cursor node { id number status totalAmount { value currency } client { id name einvoicingReachable billingAddress { city } } items { title unitPrice { value } discount { amount { value } } } einvoicingLifecycleEvents { status label occurredAt } einvoicingEligibility { eligible reasons } } } pageInfo { hasNextPage endCursor } }';

const messages = (body: { errors?: Array<{ message: string }> }) => (body.errors ?? []).map((e) => e.message).join('\n');

describe('hostile queries are rejected before any upstream call (GraphQL Armor)', () => {
  it('depth above 10', async () => {
    // The schema has no cycle, so only a query naming nonexistent fields can be that deep: the
    // depth rule must still fire on it.
    let selection = 'id';
    for (let i = 0; i < 11; i++) selection = `f${i} { ${selection} }`;
    const result = await stack.gql(`{ clientInvoices { nodes { ${selection} } } }`);
    expect(messages(result.body)).toMatch(/depth limit of 10/i);
    expect(stack.calls()).toEqual([]);
  });

  it('more than 15 aliases', async () => {
    const query = `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: einvoicingSettings { sendingStatus }`).join(' ')} }`;
    const result = await stack.gql(query);
    expect(messages(result.body)).toMatch(/aliases limit of 15/i);
    expect(stack.calls()).toEqual([]);
  });

  it('more than 2000 tokens', async () => {
    const result = await stack.gql(`{ clients { nodes { ${Array.from({ length: 2100 }, () => 'id').join(' ')} } } }`);
    expect(messages(result.body)).toMatch(/token limit of 2000/i);
    expect(stack.calls()).toEqual([]);
  });

  it('cost above 20000', async () => {
    const query = `{ ${Array.from({ length: 3 }, (_, i) => `a${i}: ${DASHBOARD}`).join(' ')} }`;
    const result = await stack.gql(query);
    expect(messages(result.body)).toMatch(/cost limit of 20000/i);
    expect(stack.calls()).toEqual([]);
  });

  it('accepts a realistic dashboard query', async () => {
    const result = await stack.gql(`{ ${DASHBOARD} }`);
    expect(result.body.errors).toBeUndefined();
  });

  it('hides field suggestions', async () => {
    const result = await stack.gql('{ clientInvoicez { totalCount } }');
    expect(messages(result.body)).not.toMatch(/Did you mean/);
  });
});
