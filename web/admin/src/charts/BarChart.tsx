// Horizontal bars drawn in SVG (widths are attributes, so the CSP's ban on inline styles holds),
// one list item per bar with its label and value as text: the list is its own text alternative.
import type { ComponentChildren } from 'preact';

import './charts.css';

export interface Bar {
  key: string;
  label: string;
  value: number;
  /** Shown after the value, e.g. "of 2 GB" or "12 accounts". */
  detail?: string;
  /** Makes the label a button, e.g. to open a unit's sub-units. */
  onSelect?: () => void;
  selectLabel?: string;
}

export function BarChart({ title, bars, format, empty, max }: { title: string; bars: Bar[]; format: (value: number) => string; empty?: ComponentChildren; max?: number }) {
  const top = Math.max(max ?? 0, ...bars.map((b) => b.value), 1);
  if (bars.length === 0) return <p class="muted">{empty ?? 'Nothing to show.'}</p>;
  return (
    <ul class="bar-chart" aria-label={title}>
      {bars.map((bar, i) => {
        const share = Math.max(bar.value > 0 ? 0.8 : 0, (bar.value / top) * 100);
        return (
          <li key={bar.key} class="bar-row">
            <span class="bar-label">
              {bar.onSelect ? (
                <button type="button" class="link" onClick={bar.onSelect} aria-label={bar.selectLabel}>
                  {bar.label}
                </button>
              ) : (
                bar.label
              )}
            </span>
            <svg class="bar-track" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">
              <rect class="bar-bg" x="0" y="0" width="100" height="10" rx="2" />
              <rect class={`bar-fill bar-fill-${i % 6}`} x="0" y="0" width={share.toFixed(2)} height="10" rx="2" />
            </svg>
            <span class="bar-value">
              {format(bar.value)}
              {bar.detail ? <span class="muted"> {bar.detail}</span> : null}
            </span>
          </li>
        );
      })}
    </ul>
  );
}
