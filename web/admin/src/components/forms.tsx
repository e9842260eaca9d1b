// Form pieces every page uses: a labelled field that shows the API's error for it beside it, and
// the refusal of a request in plain words when it names no field of the form.
import type { ComponentChildren, InputHTMLAttributes } from 'preact';
import { useCallback, useState } from 'preact/hooks';

import { ApiError } from '../api.ts';

/** The message for a failed request, in the words the server chose or a plain fallback. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof TypeError) return 'The server could not be reached.';
  return err instanceof Error ? err.message : String(err);
}

/** The input attributes the console's forms use. */
interface InputProps {
  type?: 'text' | 'email' | 'password' | 'number' | 'search';
  required?: boolean;
  autocomplete?: string;
  placeholder?: string;
  min?: string;
}

type FieldProps = InputProps & {
  label: string;
  /** The API's name for the field: an error naming it is shown here. */
  name: string;
  value: string;
  onValue: (value: string) => void;
  error?: ApiError | null;
  hint?: string;
  /** Other names the API uses for this input in its errors (e.g. `domain` for a domain's `name`). */
  also?: string[];
  /** Unique per page when the same field name appears in two forms. */
  idPrefix?: string;
};

// Preact types an input's attributes as a union keyed by `type` (for its ARIA role); ours are a plain subset of it.
export function Field({ label, name, value, onValue, error, hint, also = [], idPrefix = 'f', ...input }: FieldProps) {
  const id = `${idPrefix}-${name}`;
  const problem = error?.field && [name, ...also].includes(error.field) ? error.message : null;
  const described = [hint ? `${id}-hint` : '', problem ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} name={name} value={value} onInput={(e) => onValue(e.currentTarget.value)} aria-invalid={problem ? 'true' : undefined} aria-describedby={described} {...(input as InputHTMLAttributes<HTMLInputElement>)} />
      {hint && (
        <p id={`${id}-hint`} class="hint">
          {hint}
        </p>
      )}
      {problem && (
        <p id={`${id}-error`} class="field-error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}

/** The error of a form when it is not about one of `fields` (those show it beside themselves). */
export function FormError({ error, fields = [] }: { error: unknown; fields?: string[] }) {
  if (!error) return null;
  if (error instanceof ApiError && error.field && fields.includes(error.field)) return null;
  return (
    <p class="error" role="alert">
      {messageOf(error)}
    </p>
  );
}

/** A status line for screen readers and sighted users alike, e.g. "User added". */
export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <p class="notice" role="status">
      {children}
    </p>
  );
}

/**
 * Runs one request at a time for a form or button: `busy` while it runs, the error it failed with
 * (for Field and FormError), and true when it succeeded.
 */
export function useAction(): { busy: boolean; error: unknown; run: (work: () => Promise<unknown>) => Promise<boolean>; clear: () => void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: () => setError(null) };
}

/** The ApiError among an action's failures, for Field's `error`. */
export const apiError = (error: unknown): ApiError | null => (error instanceof ApiError ? error : null);

/** Bytes from a number of megabytes typed by the admin (blank: 0, unlimited). */
export function megabytes(text: string): number {
  const value = Number(text.trim() || '0');
  return Number.isFinite(value) && value > 0 ? Math.round(value * 1024 * 1024) : 0;
}

export function formatBytes(bytes: number): string {
  if (bytes === 0) return '0';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  const power = Math.min(units.length - 1, Math.floor(Math.log(bytes) / Math.log(1024)));
  return `${(bytes / 1024 ** power).toFixed(power === 0 ? 0 : 1)} ${units[power]}`;
}
