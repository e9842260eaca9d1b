import { useEffect } from 'preact/hooks';

export interface ToastMessage {
  id: number;
  text: string;
  undo?: () => void;
}

const SHOWN_MS = 10_000;

/** A short notice at the bottom of the screen, with an Undo button for what can be undone. */
export function Toast({ toast, onDismiss }: { toast: ToastMessage | null; onDismiss: () => void }) {
  useEffect(() => {
    if (!toast) return;
    const timer = setTimeout(onDismiss, SHOWN_MS);
    return () => clearTimeout(timer);
  }, [toast, onDismiss]);

  return (
    <div class="toast-region" role="status" aria-live="polite">
      {toast && (
        <div class="toast">
          <span>{toast.text}</span>
          {toast.undo && (
            <button
              type="button"
              class="toast-action"
              onClick={() => {
                toast.undo!();
                onDismiss();
              }}
            >
              Undo
            </button>
          )}
          <button type="button" class="toast-close" aria-label="Dismiss" onClick={onDismiss}>
            ×
          </button>
        </div>
      )}
    </div>
  );
}
