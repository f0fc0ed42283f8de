/** Whether `value` is an exact http(s) origin as browsers send it: `scheme://host[:port]`, lower case, no path. */
export function isExactOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}
