import { GraphQLError, Kind } from 'graphql';
import { builder } from './builder.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function isCalendarDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

function isDateTime(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/.test(value) && !Number.isNaN(Date.parse(value));
}

function parseWith(name: string, check: (value: string) => boolean, expected: string) {
  return (value: unknown): string => {
    if (typeof value !== 'string' || !check(value)) {
      throw new GraphQLError(`${name} must be ${expected}`, { extensions: { code: 'BAD_USER_INPUT' } });
    }
    return value;
  };
}

const parseDate = parseWith('Date', isCalendarDate, 'a calendar date as YYYY-MM-DD');
const parseDateTime = parseWith('DateTime', isDateTime, 'an ISO 8601 timestamp with an offset');

builder.scalarType('Date', {
  description: 'A calendar date, `YYYY-MM-DD`.',
  serialize: (value) => String(value),
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : undefined),
});

builder.scalarType('DateTime', {
  description: 'An ISO 8601 timestamp with an offset, as Qonto sends it (e.g. `2025-06-02T10:00:00.000Z`).',
  serialize: (value) => String(value),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});

builder.scalarType('File', {
  description: 'A file sent with a GraphQL multipart request.',
  serialize: () => {
    throw new GraphQLError('File is an input-only scalar');
  },
  parseValue: (value) => {
    // yoga hands over a WHATWG File that may come from its own fetch implementation.
    const file = value as Partial<File> | null;
    if (
      file &&
      typeof file === 'object' &&
      typeof file.name === 'string' &&
      typeof file.size === 'number' &&
      typeof file.arrayBuffer === 'function'
    ) {
      return value as File;
    }
    throw new GraphQLError('File must be an uploaded file (GraphQL multipart request)', { extensions: { code: 'BAD_USER_INPUT' } });
  },
});
