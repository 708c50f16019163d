import { useEffect, useRef, useState, type ReactNode } from 'react';
import { answerConsent, continueLogin, getInteraction, SCOPE_TEXT, type OidcInteraction } from '../api/oidc';
import { signOut } from '../api/endpoints';
import { ActionMessage, Alert, AsyncView } from '../components/ui';
import { useAction, useDocumentTitle, useResource } from '../lib/hooks';
import { withNext } from '../lib/return-path';
import { navigate } from '../lib/router';
import { markSignedOut } from '../lib/session';

/**
 * Only our own provider's resume URL is followed: the server hands it out, and the page still
 * refuses anything that is not this origin's /oidc/ path.
 */
function goTo(redirectTo: string): void {
  const url = new URL(redirectTo, window.location.origin);
  if (url.origin !== window.location.origin || !url.pathname.startsWith('/oidc/')) throw new Error('Unexpected redirect.');
  window.location.assign(url.href);
}

function ScopeList(props: { readonly scopes: readonly string[] }): ReactNode {
  return (
    <ul className="scope-list" aria-label="What the app asks for">
      {props.scopes.map((scope) => (
        <li key={scope}>{SCOPE_TEXT[scope] ?? scope}</li>
      ))}
    </ul>
  );
}

function LoginStep(props: { readonly step: OidcInteraction; readonly here: string }): ReactNode {
  const { step } = props;
  const action = useAction();
  const started = useRef(false);
  const needsSignIn = step.user === null;
  useEffect(() => {
    if (needsSignIn) navigate(withNext('/sign-in', props.here), { replace: true });
    else if (!step.freshLoginRequired && !started.current) {
      started.current = true;
      void action.run(async () => { goTo((await continueLogin(step.uid)).redirectTo); });
    }
  }, [needsSignIn, step, props.here, action]);
  if (step.freshLoginRequired && step.user !== null) {
    const reauth = (): void => {
      void action.run(async () => {
        await signOut();
        markSignedOut();
        navigate(withNext('/sign-in', props.here), { replace: true });
      });
    };
    return (
      <div className="stack">
        <p>
          <strong>{step.client.name}</strong> asks you to sign in again before it continues.
        </p>
        <ActionMessage action={action} />
        <div className="actions">
          <button type="button" className="button primary" disabled={action.busy} onClick={reauth}>
            Sign in again
          </button>
        </div>
      </div>
    );
  }
  return (
    <div className="stack">
      <p role="status">Signing you in to {step.client.name}…</p>
      <ActionMessage action={action} />
    </div>
  );
}

function ConsentStep(props: { readonly step: OidcInteraction }): ReactNode {
  const { step } = props;
  const action = useAction();
  const started = useRef(false);
  const answer = (approve: boolean): void => {
    void action.run(async () => { goTo((await answerConsent(step.uid, approve)).redirectTo); });
  };
  // First-party apps are part of this site: no consent page.
  useEffect(() => {
    if (step.client.firstParty && !started.current) {
      started.current = true;
      answer(true);
    }
  });
  if (step.client.firstParty) return <p role="status">Signing you in to {step.client.name}…</p>;
  const scopes = step.missingScopes.length > 0 ? step.missingScopes : step.scopes;
  return (
    <div className="stack">
      <p>
        <strong>{step.client.name}</strong> wants to use your Gatehouse account{step.user !== null && <> ({step.user.email})</>}. It asks to:
      </p>
      <ScopeList scopes={scopes} />
      <p className="muted">You can withdraw this on your profile page at any time.</p>
      <ActionMessage action={action} />
      <div className="actions">
        <button type="button" className="button primary" disabled={action.busy} onClick={() => { answer(true); }}>
          Allow
        </button>
        <button type="button" className="button secondary" disabled={action.busy} onClick={() => { answer(false); }}>
          Deny
        </button>
      </div>
    </div>
  );
}

/** The sign-in and consent step of "Sign in with Gatehouse" (/oidc/interaction/:uid). */
export function OidcInteractionPage(props: { readonly uid: string }): ReactNode {
  useDocumentTitle('Sign in to an app');
  const here = `/oidc/interaction/${props.uid}`;
  const step = useResource(() => getInteraction(props.uid), props.uid);
  const [title] = useState('Sign in with Gatehouse');
  return (
    <div className="auth-card card">
      <h1>{title}</h1>
      <AsyncView resource={step.state} onRetry={step.reload} label="Loading…">
        {(data) =>
          data.prompt === 'login' ? (
            <LoginStep step={data} here={here} />
          ) : data.prompt === 'consent' ? (
            <ConsentStep step={data} />
          ) : (
            <Alert kind="error">This sign-in step is not supported. Go back to the app and start again.</Alert>
          )
        }
      </AsyncView>
    </div>
  );
}
