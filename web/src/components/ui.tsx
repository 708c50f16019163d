import { useEffect, useId, useRef, useState, type ReactNode, type SyntheticEvent } from 'react';
import { describeError } from '../lib/errors';
import type { Action, Resource } from '../lib/hooks';

export function Alert(props: { readonly kind: 'error' | 'success' | 'info' | 'warning'; readonly children: ReactNode }): ReactNode {
  // Errors interrupt (role=alert); confirmations are announced politely.
  const role = props.kind === 'error' ? 'alert' : 'status';
  return (
    <div className={`alert alert-${props.kind}`} role={role}>
      {props.children}
    </div>
  );
}

/** The outcome of an action: its error in words, or its success message. */
export function ActionMessage(props: { readonly action: Action }): ReactNode {
  if (props.action.error !== null) return <Alert kind="error">{describeError(props.action.error)}</Alert>;
  if (props.action.success !== null) return <Alert kind="success">{props.action.success}</Alert>;
  return null;
}

export function Loading(props: { readonly label?: string }): ReactNode {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {props.label ?? 'Loading…'}
    </p>
  );
}

export function Empty(props: { readonly children: ReactNode }): ReactNode {
  return <p className="empty">{props.children}</p>;
}

export function Badge(props: { readonly tone?: 'neutral' | 'good' | 'warn' | 'bad' | 'info'; readonly children: ReactNode }): ReactNode {
  return <span className={`badge badge-${props.tone ?? 'neutral'}`}>{props.children}</span>;
}

/** Loading / error (with retry) / ready, for one loaded section. */
export function AsyncView<T>(props: {
  readonly resource: Resource<T>;
  readonly onRetry: () => void;
  readonly label?: string;
  readonly children: (data: T) => ReactNode;
}): ReactNode {
  const { resource } = props;
  if (resource.status === 'loading') return <Loading label={props.label} />;
  if (resource.status === 'error') {
    return (
      <div className="stack">
        <Alert kind="error">{describeError(resource.error)}</Alert>
        <div>
          <button type="button" className="button secondary" onClick={props.onRetry}>
            Try again
          </button>
        </div>
      </div>
    );
  }
  return props.children(resource.data);
}

export function Section(props: { readonly title: string; readonly description?: ReactNode; readonly actions?: ReactNode; readonly children: ReactNode }): ReactNode {
  const id = useId();
  return (
    <section className="card" aria-labelledby={id}>
      <div className="card-head">
        <div>
          <h2 id={id}>{props.title}</h2>
          {props.description !== undefined && <p className="muted">{props.description}</p>}
        </div>
        {props.actions}
      </div>
      {props.children}
    </section>
  );
}

interface FieldProps {
  readonly label: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly type?: 'text' | 'email' | 'password' | 'search';
  readonly name?: string;
  readonly autoComplete?: string;
  readonly required?: boolean;
  /** Says "(optional)" next to the label, for form fields a person may leave empty. */
  readonly markOptional?: boolean;
  readonly hint?: ReactNode;
  readonly error?: string | undefined;
  readonly minLength?: number;
  readonly maxLength?: number;
  /** For codes: `numeric` brings up the digit keyboard on phones. */
  readonly inputMode?: 'numeric' | 'text';
  /** For a field that appears in answer to the user's own action (the next step of a form). */
  readonly autoFocus?: boolean;
  /** Codes and keys: no spell check, no automatic capital letter. */
  readonly code?: boolean;
}

/** A labelled input; hint and error are tied to it for screen readers. */
export function Field(props: FieldProps): ReactNode {
  const id = useId();
  const hintId = props.hint !== undefined ? `${id}-hint` : undefined;
  const errorId = props.error !== undefined ? `${id}-error` : undefined;
  const described = [hintId, errorId].filter((x) => x !== undefined).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>
        {props.label}
        {props.markOptional === true && <span className="optional"> (optional)</span>}
      </label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        onChange={(e) => { props.onChange(e.target.value); }}
        autoComplete={props.autoComplete}
        required={props.required}
        minLength={props.minLength}
        maxLength={props.maxLength}
        inputMode={props.inputMode}
        autoFocus={props.autoFocus}
        spellCheck={props.code === true ? false : undefined}
        autoCapitalize={props.code === true ? 'none' : undefined}
        className={props.code === true ? 'code-input' : undefined}
        aria-invalid={props.error !== undefined ? true : undefined}
        aria-describedby={described === '' ? undefined : described}
      />
      {hintId !== undefined && (
        <p id={hintId} className="hint">
          {props.hint}
        </p>
      )}
      {errorId !== undefined && (
        <p id={errorId} className="field-error">
          {props.error}
        </p>
      )}
    </div>
  );
}

export function SelectField<V extends string>(props: {
  readonly label: string;
  readonly value: V;
  readonly options: readonly { readonly value: V; readonly label: string }[];
  readonly onChange: (value: V) => void;
  readonly compact?: boolean;
}): ReactNode {
  const id = useId();
  return (
    <div className={props.compact === true ? 'field compact' : 'field'}>
      <label htmlFor={id}>{props.label}</label>
      <select id={id} value={props.value} onChange={(e) => { props.onChange(e.target.value as V); }}>
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function Form(props: { readonly onSubmit: () => void; readonly children: ReactNode; readonly className?: string }): ReactNode {
  function submit(event: SyntheticEvent<HTMLFormElement, SubmitEvent>): void {
    event.preventDefault();
    props.onSubmit();
  }
  return (
    <form className={props.className ?? 'form'} onSubmit={submit}>
      {props.children}
    </form>
  );
}

export function SubmitButton(props: { readonly busy: boolean; readonly children: ReactNode; readonly busyLabel?: string; readonly tone?: 'primary' | 'danger' }): ReactNode {
  return (
    <button type="submit" className={`button ${props.tone ?? 'primary'}`} disabled={props.busy} aria-busy={props.busy}>
      {props.busy ? (props.busyLabel ?? 'Working…') : props.children}
    </button>
  );
}

interface ConfirmProps {
  /** Visible text of the first button, e.g. "Delete". */
  readonly label: string;
  /** Full accessible name, e.g. "Delete alice@example.com". */
  readonly name: string;
  readonly prompt: string;
  readonly confirmLabel: string;
  readonly onConfirm: () => Promise<unknown>;
  readonly tone?: 'danger' | 'secondary';
}

/** A destructive action asks once more, in the page (no window.confirm), with a real button for each choice. */
export function ConfirmAction(props: ConfirmProps): ReactNode {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (open) confirmRef.current?.focus();
  }, [open]);
  const tone = props.tone ?? 'danger';
  if (!open) {
    return (
      <button type="button" className={`button small ${tone === 'danger' ? 'danger-outline' : 'secondary'}`} aria-label={props.name} onClick={() => { setOpen(true); }}>
        {props.label}
      </button>
    );
  }
  async function confirm(): Promise<void> {
    setBusy(true);
    try {
      await props.onConfirm();
    } finally {
      setBusy(false);
      setOpen(false);
    }
  }
  return (
    <div className="confirm" role="group" aria-label={props.prompt}>
      <p>{props.prompt}</p>
      <div className="actions">
        <button ref={confirmRef} type="button" className={`button small ${tone === 'danger' ? 'danger' : 'primary'}`} disabled={busy} onClick={() => void confirm()}>
          {busy ? 'Working…' : props.confirmLabel}
        </button>
        <button type="button" className="button small secondary" disabled={busy} onClick={() => { setOpen(false); }}>
          Cancel
        </button>
      </div>
    </div>
  );
}
