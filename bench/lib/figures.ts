/** Output in the benchmark convention: one figure per line, `name: value unit`. */

export function printFigure(name: string, value: string, unit = ''): void {
  process.stdout.write(`${name}: ${value}${unit ? ` ${unit}` : ''}\n`);
}

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Three significant digits, enough for figures that vary by a few percent run to run. */
export function round(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function mib(bytes: number): string {
  return round(bytes / (1024 * 1024));
}
