import type { SMTPServerDataStream } from 'smtp-server';

/**
 * Collects DATA into one buffer. Past the size limit it stops keeping bytes but keeps reading, so
 * the client gets smtp-server's 552 reply after its final dot rather than a dropped connection.
 */
export async function readMessage(stream: SMTPServerDataStream, maxSize: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= maxSize) chunks.push(chunk);
  }
  if (stream.sizeExceeded || size > maxSize) return null;
  return Buffer.concat(chunks, size);
}
