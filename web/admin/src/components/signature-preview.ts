// The live preview of the signature template: the same rules as the server's rendering
// (src/directory/signature-templates.ts): a placeholder is filled in, and a line (in HTML, a piece
// ending in <br>) whose placeholder has no value is left out, so an empty phone leaves no "Phone:".
import DOMPurify from 'dompurify';

export const PLACEHOLDERS = ['name', 'email', 'title', 'department', 'phone', 'organisation'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type SampleValues = Record<Placeholder, string>;

const PLACEHOLDER = /\{\{\s*(name|email|title|department|phone|organisation)\s*\}\}/gi;

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function fillLine(line: string, values: SampleValues, escape: (value: string) => string): string | null {
  let missing = false;
  const filled = line.replace(PLACEHOLDER, (_match, name: string) => {
    const value = values[name.toLowerCase() as Placeholder]?.trim() ?? '';
    if (value === '') missing = true;
    return escape(value);
  });
  return missing ? null : filled;
}

export function previewText(template: string, values: SampleValues): string {
  return template
    .split('\n')
    .map((line) => fillLine(line, values, (v) => v))
    .filter((line) => line !== null)
    .join('\n');
}

/** Sanitised: the admin's own HTML, but shown in the console, so no scripts or handlers survive. */
export function previewHtml(template: string, values: SampleValues): string {
  const rendered = template
    .split('\n')
    .map((line) => {
      const kept = line
        .split(/(?<=<br\s*\/?>)/i)
        .map((piece) => fillLine(piece, values, escapeHtml))
        .filter((piece) => piece !== null);
      return kept.length === 0 ? null : kept.join('');
    })
    .filter((line) => line !== null)
    .join('\n');
  return DOMPurify.sanitize(rendered, { FORBID_ATTR: ['style'] });
}
