import { isQontoId, MAX_QONTO_ID_LENGTH } from '../domain/input-rules.js';
import { badUserInput } from '../graphql/errors.js';

/** The description of every id argument, stating what {@link qontoIdArgument} accepts. */
export const QONTO_ID_DESCRIPTION = `A Qonto id: 1 to ${MAX_QONTO_ID_LENGTH} letters, digits, "-" or "_".`;

/**
 * Checks an id argument before it reaches any Qonto call and returns it as a string. An id that
 * is not a plausible Qonto id (see `QONTO_ID_PATTERN`: `.`/`..`, `a/b`, 10,000 characters…) is
 * refused with a top-level `BAD_USER_INPUT` error whose `extensions.argument` names the argument.
 * The value itself is never echoed back (it may be huge).
 */
export function qontoIdArgument(value: string | number, argument: string): string {
  const id = String(value);
  if (!isQontoId(id)) {
    const length = id.length > MAX_QONTO_ID_LENGTH ? ` (got ${id.length} characters)` : '';
    throw badUserInput(
      `${argument} is not a Qonto id: expected 1 to ${MAX_QONTO_ID_LENGTH} letters, digits, "-" or "_"${length}`,
      argument,
    );
  }
  return id;
}

/**
 * Checks the length of an optional string argument (counted in UTF-16 code units, after trimming
 * for the minimum) and returns it unchanged; `null` becomes `undefined`. Refuses with
 * `BAD_USER_INPUT` naming the argument.
 */
export function boundedStringArgument(
  value: string | null | undefined,
  argument: string,
  limits: { min?: number; max: number },
): string | undefined {
  if (value == null) return undefined;
  if (value.length > limits.max) throw badUserInput(`${argument} is longer than ${limits.max} characters`, argument);
  if (limits.min !== undefined && value.trim().length < limits.min) {
    throw badUserInput(`${argument} needs at least ${limits.min} characters`, argument);
  }
  return value;
}

/**
 * Checks the number of items of an optional list argument and returns it without repeats (in
 * first-seen order): a filter of `n` distinct values never becomes a longer query string.
 */
export function distinctListArgument<T>(
  values: readonly T[] | null | undefined,
  argument: string,
  limits: { min?: number; max: number },
): T[] | undefined {
  if (values == null) return undefined;
  if (values.length > limits.max) throw badUserInput(`${argument} takes at most ${limits.max} values`, argument);
  const distinct = [...new Set(values)];
  if (limits.min !== undefined && distinct.length < limits.min) {
    throw badUserInput(`${argument} needs at least ${limits.min} value${limits.min === 1 ? '' : 's'}`, argument);
  }
  return distinct;
}
