// Keyboard shortcuts of the mail view, in the style of the webmails people already know.

export const SHORTCUTS: [keys: string, what: string][] = [
  ['j / k', 'Next / previous conversation'],
  ['Enter or o', 'Open the conversation'],
  ['u', 'Back to the list'],
  ['c', 'Compose a new message'],
  ['r', 'Reply'],
  ['a', 'Reply to all'],
  ['f', 'Forward'],
  ['e', 'Archive'],
  ['# or Delete', 'Move to Trash'],
  ['s', 'Flag or unflag'],
  ['/', 'Search'],
  ['?', 'Show these shortcuts'],
];

/** Keys typed into a field, an editor or a dialog's controls are text, not commands. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  return target.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"], [role="textbox"]') !== null;
}

/** Windows over the mail view (compose, settings, dialogs) take their own keys. */
function inOverlay(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && target.closest('dialog, [role="dialog"], .compose, .settings, .overlay') !== null;
}

/** The command a keydown stands for, or null when it is none (or modified by Ctrl, Alt or Meta). */
export function shortcutOf(event: KeyboardEvent): string | null {
  if (event.ctrlKey || event.altKey || event.metaKey || isTyping(event.target) || inOverlay(event.target)) return null;
  if (event.key === 'Delete') return '#';
  // Enter on a button already presses it.
  if (event.key === 'Enter') return event.target instanceof HTMLElement && event.target.closest('button, a, summary') ? null : 'o';
  return ['j', 'k', 'o', 'u', 'c', 'r', 'a', 'f', 'e', '#', 's', '/', '?'].includes(event.key) ? event.key : null;
}
