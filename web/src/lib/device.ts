export type DeviceKind = 'desktop' | 'phone' | 'tablet' | 'unknown';

/** Desktop, phone or tablet, from a User-Agent string: the one place the device icons come from. */
export function deviceKind(userAgent: string | null): DeviceKind {
  if (userAgent === null || userAgent.trim() === '') return 'unknown';
  if (/\biPad\b|\bTablet\b|\bKindle\b|\bSilk\//.test(userAgent)) return 'tablet';
  // Android tablets leave "Mobile" out of the agent; Android phones put it in.
  if (/\bAndroid\b/.test(userAgent)) return /\bMobile\b/.test(userAgent) ? 'phone' : 'tablet';
  if (/\biPhone\b|\biPod\b|\bWindows Phone\b|\bMobile\b/.test(userAgent)) return 'phone';
  if (/\bWindows\b|\bMacintosh\b|\bMac OS X\b|\bX11\b|\bLinux\b|\bCrOS\b/.test(userAgent)) return 'desktop';
  return 'unknown';
}

export const DEVICE_LABELS: Readonly<Record<DeviceKind, string>> = {
  desktop: 'Computer',
  phone: 'Phone',
  tablet: 'Tablet',
  unknown: 'Other device',
};
