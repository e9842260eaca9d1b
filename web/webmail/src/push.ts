// New mail as it arrives: the JMAP event stream (RFC 8620 §7.3). The browser's EventSource cannot
// send an Authorization header and the server takes the bearer token only there, so the stream is
// read with fetch() and parsed as text/event-stream (WHATWG HTML §9.2.6) here.

const RETRY_MS = 3000;

export interface StateChange {
  changed: Record<string, Record<string, string>>;
}

function streamUrl(template: string): string {
  return template.replace('{types}', '*').replace('{closeafter}', 'no').replace('{ping}', '60');
}

/** Calls onChange for every StateChange until signal aborts, reconnecting when the stream drops. */
export async function watchChanges(template: string, token: string, onChange: (change: StateChange) => void, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      const response = await fetch(streamUrl(template), { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal });
      if (response.ok && response.body) await readEvents(response.body, onChange);
    } catch {
      // A dropped connection or an abort; the loop decides whether to try again.
    }
    if (!signal.aborted) await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

/** Reads a text/event-stream body to its end, passing on the data of each `state` event. */
export async function readEvents(body: ReadableStream<Uint8Array>, onChange: (change: StateChange) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let afterCr = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    // Lines end in CRLF, LF or CR; a chunk ending in CR may be followed by the LF of the same line end.
    const text = decoder.decode(value, { stream: true });
    if (text.length === 0) continue;
    buffer += (afterCr && text.startsWith('\n') ? text.slice(1) : text).replace(/\r\n?/g, '\n');
    afterCr = text.endsWith('\r');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (event === 'state' && data.length > 0) onChange(JSON.parse(data.join('\n')) as StateChange);
    }
  }
}
