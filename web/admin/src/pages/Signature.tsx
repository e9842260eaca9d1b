import { useEffect, useRef, useState } from 'preact/hooks';

import type { AdminApi } from '../api.ts';
import { apiError, FormError, Notice, useAction } from '../components/forms.tsx';
import { PLACEHOLDERS, previewHtml, previewText, type Placeholder, type SampleValues } from '../components/signature-preview.ts';
import { useLoad } from '../components/useLoad.ts';

interface Template {
  text: string;
  html: string;
}

const SAMPLE: SampleValues = { name: 'Ann Example', email: 'ann@example.com', title: 'Head of Sales', department: 'Sales', phone: '+1 555 0100', organisation: 'Example Ltd' };
const LABELS: Record<Placeholder, string> = { name: 'Name', email: 'Email', title: 'Title', department: 'Department', phone: 'Phone', organisation: 'Organisation' };

type Which = keyof Template;

export function SignaturePage({ api }: { api: AdminApi }) {
  const stored = useLoad(() => api.get<Template>('/signature-template'), []);
  const [template, setTemplate] = useState<Template | null>(null);
  const [sample, setSample] = useState<SampleValues>(SAMPLE);
  const [notice, setNotice] = useState<string | null>(null);
  const save = useAction();
  const fields = { text: useRef<HTMLTextAreaElement>(null), html: useRef<HTMLTextAreaElement>(null) };
  const [lastField, setLastField] = useState<Which>('text');

  useEffect(() => {
    if (stored.data && template === null) setTemplate(stored.data);
  }, [stored.data, template]);

  const current = template ?? { text: '', html: '' };
  const html = previewHtml(current.html, sample);
  const preview = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Sanitised by DOMPurify above; innerHTML is the only way to show the admin's markup.
    if (preview.current) preview.current.innerHTML = html;
  }, [html]);

  function insert(name: Placeholder) {
    const field = fields[lastField].current;
    const token = `{{${name}}}`;
    const value = current[lastField];
    const start = field?.selectionStart ?? value.length;
    const end = field?.selectionEnd ?? value.length;
    setTemplate({ ...current, [lastField]: value.slice(0, start) + token + value.slice(end) });
    requestAnimationFrame(() => {
      field?.focus();
      field?.setSelectionRange(start + token.length, start + token.length);
    });
  }

  const err = apiError(save.error);
  const area = (which: Which, label: string, hint: string) => (
    <div class="field">
      <label for={`signature-${which}`}>{label}</label>
      <textarea
        id={`signature-${which}`}
        name={which}
        ref={fields[which]}
        rows={7}
        value={current[which]}
        aria-describedby={`signature-${which}-hint${err?.field === which ? ` signature-${which}-error` : ''}`}
        aria-invalid={err?.field === which ? 'true' : undefined}
        onFocus={() => setLastField(which)}
        onInput={(e) => setTemplate({ ...current, [which]: e.currentTarget.value })}
      />
      <p id={`signature-${which}-hint`} class="hint">
        {hint}
      </p>
      {err?.field === which && (
        <p id={`signature-${which}-error`} class="field-error" role="alert">
          {err.message}
        </p>
      )}
    </div>
  );

  return (
    <section aria-labelledby="signature-title">
      <h1 id="signature-title">Signature</h1>
      <p class="muted">One signature for everyone in the organisation. Placeholders are filled in per person; a line whose placeholder is empty for someone is left out of their signature.</p>
      {notice && <Notice>{notice}</Notice>}
      {stored.error && <p role="alert" class="error">{stored.error}</p>}
      <div class="signature-layout">
        <form
          class="panel form-grid"
          aria-label="Signature template"
          onSubmit={async (e) => {
            e.preventDefault();
            if (await save.run(() => api.send('PUT', '/signature-template', current))) setNotice('Signature template saved.');
          }}
        >
          <div class="placeholder-bar" role="group" aria-label="Insert a placeholder">
            {PLACEHOLDERS.map((name) => (
              <button key={name} type="button" class="ghost small" aria-label={`Insert {{${name}}}`} onMouseDown={(e) => e.preventDefault()} onClick={() => insert(name)}>
                {`{{${name}}}`}
              </button>
            ))}
          </div>
          {area('text', 'Plain-text signature', 'Used in plain-text messages.')}
          {area('html', 'HTML signature', 'Used in formatted messages; end a line with <br> to break it.')}
          <FormError error={save.error} fields={['text', 'html']} />
          <div class="actions">
            <button type="submit" class="primary" disabled={save.busy || template === null}>
              Save signature
            </button>
          </div>
        </form>
        <section class="panel" aria-labelledby="preview-title">
          <h2 id="preview-title">Preview</h2>
          <fieldset class="sample">
            <legend>Sample person</legend>
            {PLACEHOLDERS.map((name) => (
              <div class="field" key={name}>
                <label for={`sample-${name}`}>{LABELS[name]}</label>
                <input id={`sample-${name}`} value={sample[name]} onInput={(e) => setSample({ ...sample, [name]: e.currentTarget.value })} />
              </div>
            ))}
          </fieldset>
          <h3>Plain text</h3>
          <pre class="signature-preview" data-testid="text-preview">
            {previewText(current.text, sample)}
          </pre>
          <h3>HTML</h3>
          <div class="signature-preview" data-testid="html-preview" ref={preview} />
        </section>
      </div>
    </section>
  );
}
