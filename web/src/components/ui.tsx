import { createContext, useContext, useEffect, useId, useLayoutEffect, useRef, useState, type ReactNode, type SyntheticEvent } from 'react';
import { bannerText, describeError, fieldErrors } from '../lib/errors';
import { RevealButton, StrengthMeter } from './password';
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

/** The outcome of an action: its error in words (less what its fields show), or its success message. */
export function ActionMessage(props: { readonly action: Action }): ReactNode {
  if (props.action.error !== null) {
    const text = bannerText(props.action.error, props.action.inline);
    return text === null ? null : <Alert kind="error">{text}</Alert>;
  }
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
  if (resource.status === 'error') return <ErrorWithRetry error={resource.error} onRetry={props.onRetry} />;
  return props.children(resource.data);
}

/** Something could not be loaded or checked (network, rate limit): say what, and offer to try again. */
export function ErrorWithRetry(props: { readonly error: unknown; readonly onRetry: () => void }): ReactNode {
  return (
    <div className="stack">
      <Alert kind="error">{describeError(props.error)}</Alert>
      <div>
        <button type="button" className="button secondary" onClick={props.onRetry}>
          Try again
        </button>
      </div>
    </div>
  );
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
  /** The request body's name for this value, when it differs from `name`: its server error shows here and clears on edit. */
  readonly field?: string;
  /** A new password: show how hard it is to guess, counting these words (name, email) as easy. */
  readonly strength?: { readonly userInputs?: readonly string[] };
}

/** The action of the enclosing form, so that its fields show and clear their own server errors. */
const FormAction = createContext<Action | null>(null);

/** This field's server error, and a way to drop it (and any old success message) when the user edits. */
function useServerField(key: string | undefined): { readonly error: string | undefined; readonly edited: () => void } {
  const action = useContext(FormAction);
  useLayoutEffect(() => {
    if (action === null || key === undefined) return undefined;
    action.inline.add(key);
    return () => { action.inline.delete(key); };
  }, [action, key]);
  return {
    error: action === null || key === undefined ? undefined : fieldErrors(action.error)[key],
    edited: () => { action?.edited(key); },
  };
}

/** A labelled input; hint, error and strength are tied to it for screen readers. Passwords get a show/hide button. */
export function Field(props: FieldProps): ReactNode {
  const id = useId();
  const server = useServerField(props.field ?? props.name);
  const [shown, setShown] = useState(false);
  const error = props.error ?? server.error;
  const password = props.type === 'password';
  const hintId = props.hint !== undefined ? `${id}-hint` : undefined;
  const strengthId = props.strength !== undefined ? `${id}-strength` : undefined;
  const errorId = error !== undefined ? `${id}-error` : undefined;
  const described = [hintId, strengthId, errorId].filter((x) => x !== undefined).join(' ');
  const input = (
    <input
      id={id}
      name={props.name}
      type={password && shown ? 'text' : (props.type ?? 'text')}
      value={props.value}
      onChange={(e) => {
        props.onChange(e.target.value);
        server.edited();
      }}
      autoComplete={props.autoComplete}
      required={props.required}
      minLength={props.minLength}
      maxLength={props.maxLength}
      inputMode={props.inputMode}
      autoFocus={props.autoFocus}
      spellCheck={props.code === true || password ? false : undefined}
      autoCapitalize={props.code === true || password ? 'none' : undefined}
      className={props.code === true ? 'code-input' : undefined}
      aria-invalid={error !== undefined ? true : undefined}
      aria-describedby={described === '' ? undefined : described}
    />
  );
  return (
    <div className="field">
      <label htmlFor={id}>
        {props.label}
        {props.markOptional === true && <span className="optional"> (optional)</span>}
      </label>
      {password ? (
        <div className="password-input">
          {input}
          <RevealButton shown={shown} controls={id} onToggle={() => { setShown((s) => !s); }} />
        </div>
      ) : (
        input
      )}
      {hintId !== undefined && (
        <p id={hintId} className="hint">
          {props.hint}
        </p>
      )}
      {strengthId !== undefined && <StrengthMeter id={strengthId} password={props.value} userInputs={props.strength?.userInputs} />}
      {errorId !== undefined && (
        <p id={errorId} className="field-error">
          {error}
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

/** A form; with `action`, its fields show and clear that action's server errors themselves. */
export function Form(props: { readonly onSubmit: () => void; readonly children: ReactNode; readonly className?: string; readonly action?: Action; readonly onInput?: () => void }): ReactNode {
  function submit(event: SyntheticEvent<HTMLFormElement, SubmitEvent>): void {
    event.preventDefault();
    props.onSubmit();
  }
  return (
    <form className={props.className ?? 'form'} onSubmit={submit} onInput={props.onInput}>
      <FormAction.Provider value={props.action ?? null}>{props.children}</FormAction.Provider>
    </form>
  );
}

export function SubmitButton(props: { readonly busy: boolean; readonly children: ReactNode; readonly busyLabel?: string; readonly tone?: 'primary' | 'secondary' | 'danger' }): ReactNode {
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
