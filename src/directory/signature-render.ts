// Filling a signature template in (see signature-templates.ts for what a template is). Pure, with
// no imports, because the admin console's live preview runs this same code in the browser, so
// what an admin previews is exactly what each user's signature becomes.

export const PLACEHOLDERS = ['name', 'email', 'title', 'department', 'phone', 'organisation'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type SignatureValues = Record<Placeholder, string>;

/** Any {{word}}; the stored template is checked to hold only known ones. */
export const PLACEHOLDER = /\{\{\s*([a-z]+)\s*\}\}/gi;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** One line filled in, or null when a placeholder on it has no value. */
function fillLine(line: string, values: SignatureValues, escape: (value: string) => string): string | null {
  let missing = false;
  const filled = line.replace(PLACEHOLDER, (_match, name: string) => {
    const value = values[name.toLowerCase() as Placeholder]?.trim() ?? '';
    if (value === '') missing = true;
    return escape(value);
  });
  return missing ? null : filled;
}

export function renderText(template: string, values: SignatureValues): string {
  return template
    .split('\n')
    .map((line) => fillLine(line, values, (v) => v))
    .filter((line) => line !== null)
    .join('\n');
}

const BR_END = /<br\s*\/?>$/i;

export function renderHtml(template: string, values: SignatureValues): string {
  const fill = (value: string) => fillLine(value, values, escapeHtml);
  return template
    .split('\n')
    .map((line) => {
      // Each piece keeps the <br> that ends it, so a dropped piece takes its line break with it.
      const pieces = line.split(/(?<=<br\s*\/?>)/i);
      let html = '';
      let kept = 0;
      for (const [i, piece] of pieces.entries()) {
        const filled = fill(piece);
        if (filled !== null) {
          html += filled;
          kept++;
          continue;
        }
        // The piece's text goes, its markup (the </p> closing the line, say) stays; a last piece
        // that ended the line without a <br> leaves the break before it dangling, so that goes too.
        if (i === pieces.length - 1 && !BR_END.test(piece)) html = html.replace(BR_END, '');
        const tags = piece.replace(BR_END, '').match(/<[^>]*>/g) ?? [];
        html += tags.map((tag) => tag.replace(PLACEHOLDER, (_m, name: string) => escapeHtml(values[name.toLowerCase() as Placeholder]?.trim() ?? ''))).join('');
      }
      // Pieces without placeholders always stay, so nothing kept means every piece lost a value.
      return kept === 0 ? null : html;
    })
    .filter((line) => line !== null)
    .join('\n');
}
