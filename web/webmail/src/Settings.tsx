import type { Jmap } from './api.ts';

/** The user's settings: vacation auto-reply and personal signatures. */
export function Settings({ onClose }: { jmap: Jmap; onClose: () => void }) {
  return (
    <section class="settings" aria-label="Settings">
      <button type="button" onClick={onClose}>
        Close
      </button>
    </section>
  );
}
