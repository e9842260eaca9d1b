// The live preview of the signature template runs the server's own rendering
// (src/directory/signature-render.ts), so the preview is what each user's signature becomes.
import DOMPurify from 'dompurify';

import { renderHtml, renderText, type SignatureValues } from '../../../../src/directory/signature-render.ts';

export { PLACEHOLDERS, type Placeholder } from '../../../../src/directory/signature-render.ts';
export type SampleValues = SignatureValues;

export function previewText(template: string, values: SampleValues): string {
  return renderText(template, values);
}

/** Sanitised: the admin's own HTML, but shown in the console, so no scripts or handlers survive. */
export function previewHtml(template: string, values: SampleValues): string {
  return DOMPurify.sanitize(renderHtml(template, values), { FORBID_ATTR: ['style'] });
}
