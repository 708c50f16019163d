import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { Alert } from '../ui';

const FILE_NAME = 'gatehouse-recovery-codes.txt';

function fileText(codes: readonly string[], email: string): string {
  return [
    `Gatehouse recovery codes for ${email}`,
    `Created ${new Date().toISOString().slice(0, 10)}. Each code works once.`,
    'Use one when you cannot use your authenticator app or passkey. Keep this file somewhere safe.',
    '',
    ...codes,
    '',
  ].join('\n');
}

/** Recovery codes, shown this once, with Copy and Download; "Done" hides them for good. */
export function RecoveryCodes(props: { readonly codes: readonly string[]; readonly email: string; readonly onDone: () => void }): ReactNode {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const headingId = useId();
  useEffect(() => {
    // The codes replace the form the user just sent: move focus to them so screen readers follow.
    headingRef.current?.focus();
  }, []);

  async function copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(props.codes.join('\n'));
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  }

  function download(): void {
    const url = URL.createObjectURL(new Blob([fileText(props.codes, props.email)], { type: 'text/plain;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = FILE_NAME;
    link.rel = 'noopener';
    document.body.append(link);
    link.click();
    link.remove();
    // The download has its own copy of the data by now; the next tick is late enough to let go.
    setTimeout(() => { URL.revokeObjectURL(url); }, 0);
  }

  return (
    <div className="recovery" role="region" aria-labelledby={headingId}>
      <h3 id={headingId} ref={headingRef} tabIndex={-1}>
        Your recovery codes
      </h3>
      <Alert kind="warning">
        Save these codes now: this is the only time they are shown. Each one signs you in once if you lose your authenticator app or passkey.
      </Alert>
      <ol className="recovery-codes" aria-label="Recovery codes">
        {props.codes.map((code) => (
          <li key={code} className="mono">
            {code}
          </li>
        ))}
      </ol>
      <div className="actions">
        <button type="button" className="button secondary" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" className="button secondary" onClick={download}>
          Download
        </button>
        <button type="button" className="button primary" onClick={props.onDone}>
          I have saved my codes
        </button>
      </div>
      {copied === 'yes' && <p className="hint" role="status">Copied to the clipboard.</p>}
      {copied === 'failed' && <Alert kind="error">Copying did not work in this browser. Download the codes or write them down.</Alert>}
    </div>
  );
}
