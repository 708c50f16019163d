/** A one-shot message carried across an in-app navigation ("Your session has ended", …). In memory only. */
export interface Flash {
  readonly kind: 'info' | 'success' | 'error';
  readonly text: string;
}

let current: Flash | null = null;

export function setFlash(flash: Flash): void {
  current = flash;
}

/** Reading is idempotent (React may render twice); clear it once the page has shown it. */
export function peekFlash(): Flash | null {
  return current;
}

export function clearFlash(): void {
  current = null;
}
