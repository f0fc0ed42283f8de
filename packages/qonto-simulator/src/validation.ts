import { type ApiErrorEntry, parameterError, pointerError, validationFailed } from './errors.js';
import { isRecord } from './http.js';

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** True for a real calendar date `YYYY-MM-DD`. */
export function isIsoDate(value: string): boolean {
  const match = DATE_PATTERN.exec(value);
  if (!match) return false;
  const date = new Date(`${value}T00:00:00.000Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** True for a plausible email address. */
export function isEmail(value: string): boolean {
  return EMAIL_PATTERN.test(value) && value.length <= 254;
}

/**
 * Collects validation errors (docs/qonto-facts.md#simulator-status-codes) while reading a JSON body, then throws them all at once as a 422.
 * Readers return `undefined` when the key is absent and `null` when it is explicitly `null`.
 */
export class BodyValidator {
  readonly errors: ApiErrorEntry[] = [];

  constructor(private readonly body: Record<string, unknown>) {}

  /** True when the body has the key (even with a null value). */
  has(key: string): boolean {
    return Object.hasOwn(this.body, key);
  }

  /** The raw value of a key. */
  raw(key: string): unknown {
    return this.body[key];
  }

  /** Records a `blank` error. */
  blank(field: string, detail = `${field} can't be blank`): void {
    this.errors.push(pointerError('blank', field, detail));
  }

  /** Records an `invalid` error. */
  invalid(field: string, detail = `${field} is invalid`): void {
    this.errors.push(pointerError('invalid', field, detail));
  }

  /** Records a `not_in_list` error. */
  notInList(field: string, allowed: readonly string[]): void {
    this.errors.push(pointerError('not_in_list', field, `${field} must be one of: ${allowed.join(', ')}`));
  }

  /** A string (numbers are accepted and stringified); `max` is a length limit. */
  string(key: string, options: { field?: string; max?: number; required?: boolean } = {}): string | null | undefined {
    const field = options.field ?? key;
    const value = this.body[key];
    if (value === undefined || value === null || value === '') {
      if (options.required) this.blank(field);
      return value === undefined ? undefined : null;
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      this.invalid(field, `${field} must be a string`);
      return undefined;
    }
    const text = String(value);
    if (options.max !== undefined && text.length > options.max) {
      this.invalid(field, `${field} is too long (maximum is ${options.max} characters)`);
      return undefined;
    }
    return text;
  }

  /** A `YYYY-MM-DD` date. */
  date(key: string, options: { field?: string; required?: boolean } = {}): string | null | undefined {
    const field = options.field ?? key;
    const text = this.string(key, { field, required: options.required });
    if (text && !isIsoDate(text)) {
      this.invalid(field, `${field} must be a date (YYYY-MM-DD)`);
      return undefined;
    }
    return text;
  }

  /** One of the allowed values. */
  oneOf<T extends string>(key: string, allowed: readonly T[], options: { field?: string; required?: boolean } = {}): T | null | undefined {
    const field = options.field ?? key;
    const text = this.string(key, { field, required: options.required });
    if (text === undefined || text === null) return text;
    if (!(allowed as readonly string[]).includes(text)) {
      this.notInList(field, allowed);
      return undefined;
    }
    return text as T;
  }

  /** A boolean. */
  boolean(key: string, options: { field?: string } = {}): boolean | null | undefined {
    const value = this.body[key];
    if (value === undefined || value === null) return value as undefined | null;
    if (typeof value !== 'boolean') {
      this.invalid(options.field ?? key, `${options.field ?? key} must be a boolean`);
      return undefined;
    }
    return value;
  }

  /** A nested object, or null/undefined. */
  object(key: string, options: { field?: string; required?: boolean } = {}): Record<string, unknown> | null | undefined {
    const field = options.field ?? key;
    const value = this.body[key];
    if (value === undefined || value === null) {
      if (options.required) this.blank(field);
      return value as undefined | null;
    }
    if (!isRecord(value)) {
      this.invalid(field, `${field} must be an object`);
      return undefined;
    }
    return value;
  }

  /** A validator for a nested object, sharing this error list, with field names prefixed. */
  nested(value: Record<string, unknown>, prefix: string): NestedValidator {
    return new NestedValidator(value, prefix, this.errors);
  }

  /** Throws a 422 with every collected error, if any. */
  throwIfErrors(): void {
    if (this.errors.length > 0) throw validationFailed(this.errors);
  }
}

/** A {@link BodyValidator} for a nested object: every field is reported as `<prefix>/<key>`. */
export class NestedValidator extends BodyValidator {
  constructor(
    value: Record<string, unknown>,
    private readonly prefix: string,
    sharedErrors: ApiErrorEntry[],
  ) {
    super(value);
    (this as { errors: ApiErrorEntry[] }).errors = sharedErrors;
  }

  /** The pointer field of a key. */
  field(key: string): string {
    return `${this.prefix}/${key}`;
  }

  override string(key: string, options: { field?: string; max?: number; required?: boolean } = {}): string | null | undefined {
    return super.string(key, { ...options, field: options.field ?? this.field(key) });
  }

  override date(key: string, options: { field?: string; required?: boolean } = {}): string | null | undefined {
    return super.date(key, { ...options, field: options.field ?? this.field(key) });
  }

  override oneOf<T extends string>(
    key: string,
    allowed: readonly T[],
    options: { field?: string; required?: boolean } = {},
  ): T | null | undefined {
    return super.oneOf(key, allowed, { ...options, field: options.field ?? this.field(key) });
  }

  override boolean(key: string, options: { field?: string } = {}): boolean | null | undefined {
    return super.boolean(key, { ...options, field: options.field ?? this.field(key) });
  }

  override object(key: string, options: { field?: string; required?: boolean } = {}): Record<string, unknown> | null | undefined {
    return super.object(key, { ...options, field: options.field ?? this.field(key) });
  }
}

/** Reads an ISO 8601 timestamp query parameter; 422 `invalid` with `source.parameter` when bad. */
export function timestampParameter(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  const time = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) throw validationFailed([parameterError('invalid', name, `${name} must be an ISO 8601 timestamp`)]);
  return time;
}
