import { useEffect, useState, type ReactNode } from 'react';
import { rateStrength, type Strength } from '../lib/strength';

/** The eye button after a password input. Its name stays "Show password"; aria-pressed says whether it is shown. */
export function RevealButton(props: { readonly shown: boolean; readonly onToggle: () => void; readonly controls: string }): ReactNode {
  return (
    <button type="button" className="reveal" aria-label="Show password" aria-pressed={props.shown} aria-controls={props.controls} onClick={props.onToggle}>
      <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
        <path d="M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12Z" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round" />
        <circle cx="12" cy="12" r="3" fill="none" stroke="currentColor" strokeWidth="1.8" />
        {props.shown && <path d="M4 4l16 16" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />}
      </svg>
    </button>
  );
}

const LABELS: Readonly<Record<Strength['score'], string>> = { 0: 'Very weak', 1: 'Weak', 2: 'Fair', 3: 'Strong', 4: 'Very strong' };
const TONES: Readonly<Record<Strength['score'], string>> = { 0: 'bad', 1: 'bad', 2: 'warn', 3: 'good', 4: 'good' };

/** How hard a new password is to guess, as it is typed. Words from `userInputs` (name, email) count as easy. */
export function StrengthMeter(props: { readonly id: string; readonly password: string; readonly userInputs?: readonly string[] }): ReactNode {
  const [strength, setStrength] = useState<{ readonly for: string; readonly value: Strength } | null>(null);
  const inputs = (props.userInputs ?? []).join('\n');
  useEffect(() => {
    if (props.password === '') return;
    let live = true;
    const password = props.password;
    void rateStrength(password, inputs === '' ? [] : inputs.split('\n')).then((value) => {
      if (live) setStrength({ for: password, value });
    });
    return () => {
      live = false;
    };
  }, [props.password, inputs]);
  const current = props.password === '' || strength === null ? null : strength.value;
  return (
    <div className="strength" id={props.id} hidden={props.password === ''}>
      <div className={`strength-bar tone-${current === null ? 'none' : TONES[current.score]}`} aria-hidden="true">
        {[0, 1, 2, 3, 4].map((i) => (
          <span key={i} className={current !== null && current.score >= i ? 'on' : undefined} />
        ))}
      </div>
      <p className="strength-text" aria-live="polite">
        {current === null ? 'Checking strength…' : `Strength: ${LABELS[current.score]}.`}
        {current !== null && current.advice !== null && current.score < 3 && <span className="muted"> {current.advice}</span>}
      </p>
    </div>
  );
}
