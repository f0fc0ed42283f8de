/** The message of a thrown value, for logs and error texts: an `Error`'s message, else the value as a string. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
