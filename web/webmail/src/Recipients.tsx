import { parseAddresses } from './addresses.ts';

interface Props {
  id: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  /** Show the invalid pieces now (after leaving the field, or on Send). */
  checked: boolean;
  onBlur: () => void;
}

/** One recipient field (To, Cc or Bcc): addresses separated by commas, the ones that are not addresses named below it. */
export function RecipientField({ id, label, value, onInput, checked, onBlur }: Props) {
  const invalid = checked ? parseAddresses(value).invalid : [];
  const errorId = `${id}-error`;
  return (
    <div class="field recipient-field">
      <label for={id}>{label}</label>
      <input
        id={id}
        type="text"
        autoComplete="email"
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
        onBlur={onBlur}
        aria-invalid={invalid.length > 0}
        aria-describedby={invalid.length > 0 ? errorId : undefined}
        placeholder="Name <address@example.com>, …"
      />
      {invalid.length > 0 && (
        <p id={errorId} class="field-error" role="alert">
          {invalid.length === 1 ? `"${invalid[0]}" is not an email address.` : `These are not email addresses: ${invalid.map((p) => `"${p}"`).join(', ')}.`}
        </p>
      )}
    </div>
  );
}
