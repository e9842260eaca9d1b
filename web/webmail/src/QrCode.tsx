import { encode } from 'uqr';

/** The spec's quiet zone around a QR code, in modules (ISO/IEC 18004 §6.3.8). */
const QUIET_ZONE = 4;
/** Medium error correction: survives a glare or a smudge on the screen. */
export const QR_OPTIONS = { ecc: 'M', border: 0 } as const;

/** The dark modules as one SVG path of unit squares: drawn by Preact as attributes, never as markup. */
export function qrPath(data: boolean[][]): string {
  const parts: string[] = [];
  data.forEach((row, y) => row.forEach((dark, x) => dark && parts.push(`M${x} ${y}h1v1h-1z`)));
  return parts.join('');
}

/** A QR code of `value` as SVG; `label` is what a screen reader says instead of the picture. */
export function QrCode({ value, label }: { value: string; label: string }) {
  const { data, size } = encode(value, QR_OPTIONS);
  const side = size + 2 * QUIET_ZONE;
  return (
    <svg class="qr-image" role="img" aria-label={label} viewBox={`${-QUIET_ZONE} ${-QUIET_ZONE} ${side} ${side}`} shape-rendering="crispEdges">
      <rect class="qr-light" x={-QUIET_ZONE} y={-QUIET_ZONE} width={side} height={side} />
      <path class="qr-dark" d={qrPath(data)} />
    </svg>
  );
}
