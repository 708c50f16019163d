import { create } from 'qrcode';
import { useMemo, type ReactNode } from 'react';

const QUIET_ZONE = 4;

/** One SVG path for the dark modules of a QR code: a 1×1 square per module, in module units. */
function modulePath(text: string): { readonly d: string; readonly size: number } {
  const { modules } = create(text, { errorCorrectionLevel: 'M' });
  const parts: string[] = [];
  for (let row = 0; row < modules.size; row += 1) {
    for (let col = 0; col < modules.size; col += 1) {
      if (modules.get(row, col) !== 0) parts.push(`M${col + QUIET_ZONE} ${row + QUIET_ZONE}h1v1h-1z`);
    }
  }
  return { d: parts.join(''), size: modules.size + 2 * QUIET_ZONE };
}

/**
 * A QR code drawn by React as inline SVG from the module matrix: no innerHTML, no data URL, no remote
 * image, so the otpauth URI (which holds the secret) never leaves the page.
 */
export function QrCode(props: { readonly text: string; readonly label: string }): ReactNode {
  const { d, size } = useMemo(() => modulePath(props.text), [props.text]);
  return (
    <svg className="qr-code" viewBox={`0 0 ${size} ${size}`} role="img" aria-label={props.label} shapeRendering="crispEdges" xmlns="http://www.w3.org/2000/svg">
      <rect width={size} height={size} fill="#ffffff" />
      <path d={d} fill="#111827" />
    </svg>
  );
}
