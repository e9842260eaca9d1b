// The body of an outgoing message: what was typed, then the signatures, then the quoted message.
// Each part is wrapped in a marked <div> in the HTML so a reopened draft can be taken apart again.
import DOMPurify from 'dompurify';

export interface Signature {
  text: string;
  html: string;
}

export interface Quote {
  text: string;
  /** Markup built here from the original's text, never the original's own HTML. */
  html: string;
}

const MARK = { body: 'petrel-body', signature: 'petrel-signature', quote: 'petrel-quote' };

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Plain text as HTML paragraphs, line breaks kept. */
export function textToHtml(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('');
}

/** Markup from a signature or a draft, reduced to formatting: no scripts, no styles, no remote loads by forms. */
export function cleanHtml(html: string): string {
  return DOMPurify.sanitize(html, { FORBID_TAGS: ['style', 'form', 'input', 'button'], FORBID_ATTR: ['style', 'class', 'id'] });
}

function inlineText(node: Node): string {
  if (node.nodeType === Node.TEXT_NODE) return (node.textContent ?? '').replace(/\s+/g, ' ');
  if (!(node instanceof Element)) return '';
  if (node.tagName === 'BR') return '\n';
  const inner = [...node.childNodes].map(inlineText).join('');
  if (node.tagName === 'A') {
    const href = node.getAttribute('href');
    return href && href !== inner && !href.startsWith('mailto:') ? `${inner} <${href}>` : inner;
  }
  return inner;
}

const BLOCKS = new Set(['P', 'DIV', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'PRE', 'UL', 'OL', 'BLOCKQUOTE', 'LI', 'HR', 'TABLE']);

/** The text alternative of HTML: paragraphs separated by blank lines, list items marked, quotes prefixed with "> ". */
function blockText(element: Element): string[] {
  const out: string[] = [];
  let inline = '';
  const flush = () => {
    const text = inline.replace(/^ +| +$/gm, '');
    if (text.trim() !== '') out.push(text);
    inline = '';
  };
  element.childNodes.forEach((node) => {
    if (!(node instanceof Element) || !BLOCKS.has(node.tagName)) {
      inline += inlineText(node);
      return;
    }
    flush();
    if (node.tagName === 'UL' || node.tagName === 'OL') {
      const items = [...node.children].filter((c) => c.tagName === 'LI');
      out.push(items.map((li, i) => `${node.tagName === 'OL' ? `${i + 1}.` : '-'} ${blockText(li).join('\n').replace(/\n/g, '\n   ')}`).join('\n'));
    } else if (node.tagName === 'BLOCKQUOTE') {
      out.push(blockText(node).join('\n\n').replace(/^/gm, '> ').replace(/^> $/gm, '>'));
    } else if (node.tagName === 'HR') {
      out.push('---');
    } else if (node.tagName === 'PRE') {
      out.push(node.textContent ?? '');
    } else out.push(...blockText(node));
  });
  flush();
  return out;
}

export function htmlToText(html: string): string {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  return blockText(doc.body).join('\n\n');
}

/** The personal signature, then the organisation's; each given as text, HTML or both. */
export function combineSignatures(parts: Signature[]): Signature {
  const present = parts.filter((s) => s.text.trim() !== '' || s.html.trim() !== '');
  return {
    text: present.map((s) => (s.text.trim() !== '' ? s.text.trim() : htmlToText(s.html))).join('\n\n'),
    html: present.map((s) => (s.html.trim() !== '' ? cleanHtml(s.html) : textToHtml(s.text.trim()))).join(''),
  };
}

export interface Assembled {
  text: string;
  html: string | null;
}

/** The message body: `html` null means plain-text mode. The text signature follows the "-- " line of RFC 3676 §4.3. */
export function assembleBody(typed: { text: string; html: string | null }, signature: Signature, quote: Quote): Assembled {
  const text = [typed.text.trimEnd(), signature.text ? `-- \n${signature.text}` : '', quote.text].filter((s) => s !== '').join('\n\n');
  if (typed.html === null) return { text, html: null };
  const html = [
    `<div class="${MARK.body}">${typed.html}</div>`,
    signature.html ? `<div class="${MARK.signature}">${signature.html}</div>` : '',
    quote.html ? `<div class="${MARK.quote}">${quote.html}</div>` : '',
  ].join('');
  return { text, html: `<!doctype html><html><body>${html}</body></html>` };
}

/** A reopened draft taken apart: the typed part for the editor and the quote; the signature is applied afresh. */
export function disassemble(text: string, html: string | null): { typed: { text: string; html: string | null }; quote: Quote } {
  if (html !== null) {
    const doc = new DOMParser().parseFromString(html, 'text/html');
    const body = doc.querySelector(`.${MARK.body}`);
    const quote = doc.querySelector(`.${MARK.quote}`);
    const quoteHtml = quote ? cleanHtml(quote.innerHTML) : '';
    const typedHtml = cleanHtml(body ? body.innerHTML : doc.body.innerHTML);
    return { typed: { text: htmlToText(typedHtml), html: typedHtml }, quote: { html: quoteHtml, text: quoteHtml ? htmlToText(quoteHtml) : '' } };
  }
  // In plain text the typed part ends at the signature line; the quote starts at a heading this module writes.
  const sig = text.indexOf('\n\n-- \n');
  const heading = text.search(/^(On .+ wrote:|-{10} Forwarded message -{10})$/m);
  const typedEnd = sig >= 0 ? sig : heading >= 0 ? heading : text.length;
  const quoteText = heading >= 0 ? text.slice(heading).trimEnd() : '';
  return { typed: { text: text.slice(0, typedEnd).trimEnd(), html: null }, quote: { text: quoteText, html: quoteText ? textToHtml(quoteText) : '' } };
}
