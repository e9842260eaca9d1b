// A ring showing how much of a limit is used; without a limit, just the amount. The SVG is
// decoration: the figure's text says the same in words.
import './charts.css';

const RADIUS = 42;
const CIRCUMFERENCE = 2 * Math.PI * RADIUS;

export function Gauge({ label, used, limit, format }: { label: string; used: number; limit: number; format: (bytes: number) => string }) {
  const share = limit > 0 ? Math.min(1, used / limit) : 0;
  const percent = Math.round(share * 100);
  const level = share >= 0.9 ? 'high' : share >= 0.75 ? 'warn' : 'ok';
  const words = limit > 0 ? `${format(used)} of ${format(limit)} used (${percent}%)` : `${format(used)} used, no limit`;
  return (
    <figure class="gauge">
      <svg viewBox="0 0 100 100" aria-hidden="true" focusable="false">
        <circle class="gauge-track" cx="50" cy="50" r={RADIUS} />
        {limit > 0 && (
          <circle class={`gauge-fill gauge-${level}`} cx="50" cy="50" r={RADIUS} stroke-dasharray={`${(share * CIRCUMFERENCE).toFixed(2)} ${CIRCUMFERENCE.toFixed(2)}`} transform="rotate(-90 50 50)" />
        )}
        <text x="50" y={limit > 0 ? 48 : 54} class="gauge-big">
          {limit > 0 ? `${percent}%` : format(used)}
        </text>
        {limit > 0 && (
          <text x="50" y="64" class="gauge-small">
            used
          </text>
        )}
      </svg>
      <figcaption>
        <span class="gauge-label">{label}</span>
        <span class="gauge-words">{words}</span>
      </figcaption>
    </figure>
  );
}
