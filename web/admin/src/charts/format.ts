import { formatBytes } from '../components/forms.tsx';

/** Bytes in words, with a unit even for nothing ("0 B"). */
export function bytes(n: number): string {
  return n === 0 ? '0 B' : formatBytes(n);
}

/** A byte count as whole megabytes for a form field; '' for 0 (unlimited). */
export function toMegabytes(n: number): string {
  return n === 0 ? '' : String(Math.round(n / 1024 / 1024));
}
