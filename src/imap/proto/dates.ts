// IMAP date formats (RFC 9051 §9): `date-time` for INTERNALDATE and APPEND, `date` for SEARCH.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function monthIndex(name: string): number {
  return MONTHS.findIndex((m) => m.toLowerCase() === name.toLowerCase());
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

const DATE_TIME = /^([ 0-9]?[0-9])-([A-Za-z]{3})-([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})$/;

/** `17-Jul-1996 02:44:25 -0700` (without the quotes) → ms since the epoch; null when invalid. */
export function parseDateTime(text: string): number | null {
  const m = DATE_TIME.exec(text);
  if (!m) return null;
  const day = Number(m[1].trim());
  const month = monthIndex(m[2]);
  const year = Number(m[3]);
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6])];
  const zone = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]));
  if (month < 0 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 60 || Number(m[9]) > 59) return null;
  return Date.UTC(year, month, day, hour, minute, second) - zone * 60_000;
}

/** `17-Jul-1996 09:44:25 +0000`: always UTC, with the fixed-width day that `date-day-fixed` asks for. */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const day = String(d.getUTCDate()).padStart(2, ' ');
  return `${day}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** SEARCH `date` (`1-Feb-1994`) → `1994-02-01`, the form the search criteria use; null when invalid. */
export function parseSearchDate(text: string): string | null {
  const m = /^([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4})$/.exec(text);
  if (!m) return null;
  const day = Number(m[1]);
  const month = monthIndex(m[2]);
  const year = Number(m[3]);
  if (month < 0 || day < 1 || day > daysInMonth(year, month)) return null;
  return `${m[3]}-${String(month + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
