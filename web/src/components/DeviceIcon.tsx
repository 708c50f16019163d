import type { ReactNode } from 'react';
import { DEVICE_LABELS, deviceKind, type DeviceKind } from '../lib/device';
import './events.css';

/** Outline glyphs on a 24×24 grid, drawn with the text colour. */
const SHAPES: Readonly<Record<DeviceKind, ReactNode>> = {
  desktop: (
    <>
      <rect x="3" y="4" width="18" height="12" rx="1.5" />
      <path d="M8 20h8M12 16v4" />
    </>
  ),
  phone: (
    <>
      <rect x="7" y="2.5" width="10" height="19" rx="2" />
      <path d="M11 18.5h2" />
    </>
  ),
  tablet: (
    <>
      <rect x="4.5" y="2.5" width="15" height="19" rx="2" />
      <path d="M11 18.5h2" />
    </>
  ),
  unknown: (
    <>
      <circle cx="12" cy="12" r="9" />
      <path d="M9.5 9.5a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .8-1 1.5v.7M12 17h.01" />
    </>
  ),
};

/** A desktop, phone or tablet icon for a User-Agent (see lib/device.ts). */
export function DeviceIcon(props: { readonly userAgent: string | null }): ReactNode {
  const kind = deviceKind(props.userAgent);
  return (
    <svg className="device-icon" data-device={kind} role="img" aria-label={DEVICE_LABELS[kind]} viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round">
      <title>{DEVICE_LABELS[kind]}</title>
      {SHAPES[kind]}
    </svg>
  );
}
