/** One part of a hand-built multipart body; a numeric `content` is that many bytes, generated as they are read. */
export interface Part {
  name: string;
  filename?: string;
  type?: string;
  content: string | Uint8Array | number;
}

const BOUNDARY = '----gateway-test-boundary-5a1c';

/** The multipart content type of {@link multipartBody}'s bodies. */
export const MULTIPART_CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

/**
 * Builds a multipart/form-data body in the given part order (which `FormData` cannot do for
 * malformed requests), streamed in `chunkSize` chunks; large numeric parts are never held.
 * `truncate` leaves out the closing boundary.
 */
export function multipartBody(parts: Part[], options: { chunkSize?: number; truncate?: boolean } = {}) {
  const chunkSize = options.chunkSize ?? 64 * 1024;
  const segments: Array<Uint8Array | number> = [];
  for (const part of parts) {
    let head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) head += `; filename="${part.filename}"`;
    head += '\r\n';
    if (part.type) head += `Content-Type: ${part.type}\r\n`;
    segments.push(Buffer.from(`${head}\r\n`));
    segments.push(typeof part.content === 'string' ? Buffer.from(part.content) : part.content);
    segments.push(Buffer.from('\r\n'));
  }
  if (!options.truncate) segments.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  const length = segments.reduce<number>((sum, s) => sum + (typeof s === 'number' ? s : s.byteLength), 0);

  let index = 0;
  let offset = 0;
  const next = (): Uint8Array | undefined => {
    while (index < segments.length) {
      const segment = segments[index]!;
      const size = typeof segment === 'number' ? segment : segment.byteLength;
      if (offset < size) {
        const end = Math.min(size, offset + chunkSize);
        const chunk = typeof segment === 'number' ? new Uint8Array(end - offset) : segment.subarray(offset, end);
        offset = end;
        return chunk;
      }
      index++;
      offset = 0;
    }
    return undefined;
  };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = next();
      if (chunk) controller.enqueue(chunk);
      else controller.close();
    },
  });
  return { body, contentType: MULTIPART_CONTENT_TYPE, length };
}
