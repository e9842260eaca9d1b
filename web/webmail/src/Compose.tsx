import type { Jmap } from './api.ts';
import type { ComposeStart } from './compose-types.ts';

/** A compose window; it calls onClose once the message is sent, saved as a draft or discarded. */
export function Compose({ start, onClose }: { jmap: Jmap; start: ComposeStart; onClose: () => void }) {
  return (
    <section class="compose" aria-label="New message">
      <p>{start.mode}</p>
      <button type="button" onClick={onClose}>
        Close
      </button>
    </section>
  );
}
