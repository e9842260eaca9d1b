// Messages received and sent per hour as an area chart (uPlot draws on a canvas, sized to its box),
// with the same figures as a table for screen readers and for anyone who wants the numbers.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

import './charts.css';

export interface TrafficPoint {
  /** Start of the hour, ms since the epoch. */
  hour: number;
  received: number;
  sent: number;
}

const RECEIVED = { stroke: '#1f5fbf', fill: 'rgba(31, 95, 191, 0.16)' };
const SENT = { stroke: '#0b7a5c', fill: 'rgba(11, 122, 92, 0.12)' };

function hourLabel(hour: number, withDay: boolean): string {
  return new Date(hour).toLocaleString(undefined, withDay ? { weekday: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' } : { hour: '2-digit', minute: '2-digit' });
}

function options(width: number, height: number): uPlot.Options {
  const series = (label: string, colours: { stroke: string; fill: string }): uPlot.Series => ({
    label,
    stroke: colours.stroke,
    fill: colours.fill,
    width: 2,
    paths: uPlot.paths.spline?.(),
    points: { show: false },
  });
  const axis = { stroke: '#5a6676', grid: { stroke: '#e3e8ef', width: 1 }, ticks: { stroke: '#e3e8ef', width: 1 } };
  return {
    width,
    height,
    cursor: { drag: { x: false, y: false } },
    legend: { show: true, live: false },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.15))] } },
    axes: [axis, { ...axis, size: 44, values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? String(t) : '')) }],
    series: [{ label: 'Hour' }, series('Received', RECEIVED), series('Sent', SENT)],
  };
}

/** Height of the plot for the box's width: shorter on a phone. */
const heightFor = (width: number): number => (width < 520 ? 200 : 280);

export function TrafficChart({ points, caption }: { points: TrafficPoint[]; caption: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const data: uPlot.AlignedData = [points.map((p) => p.hour / 1000), points.map((p) => p.received), points.map((p) => p.sent)];
    const width = Math.max(240, el.clientWidth);
    plot.current?.destroy();
    plot.current = new uPlot(options(width, heightFor(width)), data, el);
    const resized = new ResizeObserver(() => {
      const w = Math.max(240, el.clientWidth);
      if (plot.current && Math.abs(plot.current.width - w) > 1) plot.current.setSize({ width: w, height: heightFor(w) });
    });
    resized.observe(el);
    return () => {
      resized.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [points]);

  const multiDay = points.length > 24;
  const total = points.reduce((t, p) => ({ received: t.received + p.received, sent: t.sent + p.sent }), { received: 0, sent: 0 });
  return (
    <figure class="chart">
      <figcaption class="chart-caption">
        {caption}: <strong>{total.received}</strong> received, <strong>{total.sent}</strong> sent
      </figcaption>
      <div class="chart-plot" ref={box} aria-hidden="true" />
      <details class="chart-table">
        <summary>Show the figures as a table</summary>
        <div class="table-scroll">
          <table>
            <caption>{caption}, per hour</caption>
            <thead>
              <tr>
                <th scope="col">Hour</th>
                <th scope="col" class="num">
                  Received
                </th>
                <th scope="col" class="num">
                  Sent
                </th>
              </tr>
            </thead>
            <tbody>
              {points.map((p) => (
                <tr key={p.hour}>
                  <th scope="row">{hourLabel(p.hour, multiDay)}</th>
                  <td class="num">{p.received}</td>
                  <td class="num">{p.sent}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
