// The webmail's reader of the JMAP event stream (RFC 8620 §7.3 over the WHATWG text/event-stream
// format), fed the bytes a server may send cut at awkward places: inside a line, inside a UTF-8
// character, between the CR and LF of a line end.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { readEvents, type StateChange } from '../../web/webmail/src/push.ts';

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

async function changesIn(chunks: Uint8Array[]): Promise<StateChange[]> {
  const seen: StateChange[] = [];
  await readEvents(streamOf(chunks), (change) => seen.push(change));
  return seen;
}

const first = { '@type': 'StateChange', changed: { a1: { Email: '7', Mailbox: '7' } } };
const second = { '@type': 'StateChange', changed: { 'a1-ü': { Email: '8' } } };

test('state events are read whole wherever the chunks are cut; pings and comments are skipped', async () => {
  const text = `: hello\r\nevent: state\r\ndata: ${JSON.stringify(first)}\r\n\r\nevent: ping\r\ndata: {"interval":60}\r\n\r\nevent: state\rdata: ${JSON.stringify(second)}\r\r`;
  const bytes = new TextEncoder().encode(text);
  const wanted = [first, second];
  assert.deepEqual(await changesIn([bytes]), wanted);
  // Every place the stream could be cut in two, including between CR and LF and inside "ü".
  for (let cut = 1; cut < bytes.length; cut++) {
    assert.deepEqual(await changesIn([bytes.slice(0, cut), bytes.slice(cut)]), wanted, `cut at byte ${cut}`);
  }
  // Byte by byte: an LF alone in its chunk after a CR-ending one.
  assert.deepEqual(await changesIn([...bytes].map((b) => Uint8Array.of(b))), wanted);
});

test('a state event split over several data lines is joined with newlines', async () => {
  const lines = JSON.stringify(first, null, 1).split('\n');
  const text = `event: state\n${lines.map((l) => `data: ${l}`).join('\n')}\n\n`;
  assert.deepEqual(await changesIn([new TextEncoder().encode(text)]), [first]);
});
