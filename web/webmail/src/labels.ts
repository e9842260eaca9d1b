// Labels are JMAP keywords (RFC 8621 §4.1.1) named `$label_<slug>`, so every client and IMAP
// (as flags) sees them. Their display names and colours are the user's own choice, kept in this
// browser; a label met on a message but unknown here shows with its slug and a colour of its own.

export interface Label {
  keyword: string;
  name: string;
  colour: string;
}

const PREFIX = '$label_';

/** Dark enough for white text at WCAG AA (4.5:1) on every one. */
export const LABEL_COLOURS = [
  { name: 'Blue', value: '#1f5fbf' },
  { name: 'Green', value: '#1e7a3c' },
  { name: 'Red', value: '#b42318' },
  { name: 'Purple', value: '#6b3fb3' },
  { name: 'Teal', value: '#0f6e76' },
  { name: 'Orange', value: '#a2470c' },
  { name: 'Pink', value: '#a3246b' },
  { name: 'Slate', value: '#475467' },
];

export function isLabel(keyword: string): boolean {
  return keyword.startsWith(PREFIX);
}

/** Keywords allow ASCII without spaces or ( ) { ] % * " \ (RFC 8621 §4.1.1); servers lower-case them. */
export function keywordFor(name: string): string | null {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug ? `${PREFIX}${slug}` : null;
}

export function defaultColour(keyword: string): string {
  let hash = 0;
  for (const ch of keyword) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return LABEL_COLOURS[hash % LABEL_COLOURS.length].value;
}

function storageKey(username: string): string {
  return `petrel.webmail.labels:${username}`;
}

export function loadLabels(username: string): Label[] {
  try {
    const saved = JSON.parse(localStorage.getItem(storageKey(username)) ?? '[]') as Label[];
    return Array.isArray(saved) ? saved.filter((l) => typeof l.keyword === 'string' && isLabel(l.keyword)) : [];
  } catch {
    return [];
  }
}

export function saveLabels(username: string, labels: Label[]): void {
  localStorage.setItem(storageKey(username), JSON.stringify(labels));
}

/** The label for a keyword found on a message, known here or not. */
export function labelOf(keyword: string, known: Label[]): Label {
  return known.find((l) => l.keyword === keyword) ?? { keyword, name: keyword.slice(PREFIX.length), colour: defaultColour(keyword) };
}
