import { useState, type ReactNode } from 'react';
import { api, ApiError } from '../api/client';
import { fetchLinkProofs, signOut, startLinking, type LinkProofs, type Reauth } from '../api/endpoints';
import { fieldErrors } from '../lib/errors';
import { formatDate } from '../lib/format';
import { useAction, useResource, type Action } from '../lib/hooks';
import { withNext } from '../lib/return-path';
import { navigate } from '../lib/router';
import { markSignedOut } from '../lib/session';
import { fetchProviders, providerErrorText } from './ProviderButtons';
import { ReauthForm } from './ReauthForm';
import { ActionMessage, Alert, AsyncView, Section } from './ui';

interface IdentityView {
  readonly id: string;
  readonly provider: string;
  readonly email: string | null;
  readonly createdAt: string;
}

interface Loaded {
  readonly identities: IdentityView[];
  readonly providers: { name: string; label: string }[];
  readonly proofs: LinkProofs;
}

async function load(): Promise<Loaded> {
  const [mine, all, proofs] = await Promise.all([api.get<{ identities: IdentityView[] }>('/api/identities'), fetchProviders(), fetchLinkProofs()]);
  return { identities: mine.identities, providers: all.providers, proofs };
}

async function goToProvider(provider: string, proof: Reauth | Record<string, never>): Promise<void> {
  const { url } = await startLinking(provider, proof);
  window.location.assign(url);
}

/** An account with no password and no passkey: the server wants a recent sign-in instead of a proof. */
function RecentSignInConfirm(props: { readonly label: string; readonly action: Action; readonly onContinue: () => void; readonly onCancel: () => void }): ReactNode {
  const { action } = props;
  const stale = action.error instanceof ApiError && action.error.code === 'forbidden';
  function signInAgain(): void {
    void action.run(async () => {
      await signOut();
      markSignedOut();
      navigate(withNext('/sign-in', '/'), { replace: true });
    });
  }
  return (
    <div className="stack subform">
      <p className="muted">
        Your account has no password or passkey to confirm it is you, so linking {props.label} works only shortly after you signed in. If you signed in a while ago, sign in
        again first.
      </p>
      <ActionMessage action={action} />
      <div className="actions">
        {stale ? (
          <button type="button" className="button primary" disabled={action.busy} onClick={signInAgain}>
            Sign in again
          </button>
        ) : (
          <button type="button" className="button primary" disabled={action.busy} onClick={props.onContinue}>
            {action.busy ? 'Opening…' : `Continue to ${props.label}`}
          </button>
        )}
        <button type="button" className="button secondary" disabled={action.busy} onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/** The confirm step of "Link <Provider>": the password (or a passkey), or for an account with neither, a recent sign-in. */
function LinkConfirm(props: { readonly provider: string; readonly label: string; readonly proofs: LinkProofs; readonly onCancel: () => void }): ReactNode {
  const action = useAction();
  const { proofs, provider, label } = props;
  if (!proofs.password && !proofs.passkey) {
    return <RecentSignInConfirm label={label} action={action} onCancel={props.onCancel} onContinue={() => void action.run(() => goToProvider(provider, {}))} />;
  }
  return (
    <ReauthForm
      action={action}
      className="form subform"
      passkeyAllowed={proofs.passkey}
      passwordName="linkPassword"
      passwordHint={
        proofs.passkey
          ? 'A linked provider can sign in to your account, so confirm it is you: your password, or a passkey.'
          : 'A linked provider can sign in to your account, so confirm it is you with your password.'
      }
      passwordError={fieldErrors(action.error).password}
      submitLabel={`Continue to ${label}`}
      busyLabel="Opening…"
      autoFocus
      onCancel={props.onCancel}
      onProof={(proof) => goToProvider(provider, proof)}
    >
      <h3>Link {label}</h3>
    </ReauthForm>
  );
}

/**
 * The profile's "Sign-in providers" section: linked identities with Unlink, and a Link button per
 * configured provider. Linking opens a confirm step (re-authentication), then a CSRF-checked POST
 * returns the provider URL to go to.
 */
export function LinkedIdentities(props: { readonly linked: string | null; readonly error: string | null; readonly impersonating: boolean }): ReactNode {
  const { state, reload } = useResource(load);
  const action = useAction();
  const [confirming, setConfirming] = useState<string | null>(null);
  if (state.status === 'ready' && state.data.providers.length === 0 && state.data.identities.length === 0) return null;
  function unlink(id: string): void {
    void action.run(async () => {
      await api.delete(`/api/identities/${encodeURIComponent(id)}`);
      reload();
    }, 'The provider was unlinked.');
  }
  const labelOf = (name: string): string => (state.status === 'ready' ? state.data.providers.find((p) => p.name === name)?.label : undefined) ?? name;
  const errorText = providerErrorText(props.error);
  return (
    <Section title="Sign-in providers" description="Sign in with another provider instead of your password. You cannot remove your last way to sign in.">
      {props.linked !== null && <Alert kind="success">{labelOf(props.linked)} is now linked to your account.</Alert>}
      {errorText !== null && <Alert kind="error">{errorText}</Alert>}
      <AsyncView resource={state} onRetry={reload} label="Loading providers…">
        {(data) => (
          <div className="stack">
            {data.identities.length === 0 ? (
              <p className="muted">No provider is linked.</p>
            ) : (
              <ul className="list">
                {data.identities.map((i) => (
                  <li key={i.id} className="row">
                    <span className="row-main">
                      <span className="row-title">{labelOf(i.provider)}</span>
                      <span className="muted">
                        {i.email ?? ''} · linked {formatDate(i.createdAt)}
                      </span>
                    </span>
                    {!props.impersonating && (
                      <button type="button" className="button secondary" disabled={action.busy} onClick={() => { unlink(i.id); }}>
                        Unlink {labelOf(i.provider)}
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            )}
            {!props.impersonating && (
              <div className="actions">
                {data.providers
                  .filter((p) => !data.identities.some((i) => i.provider === p.name))
                  .map((p) => (
                    <button key={p.name} type="button" className="button secondary" disabled={action.busy || confirming === p.name} onClick={() => { action.reset(); setConfirming(p.name); }}>
                      Link {p.label}
                    </button>
                  ))}
              </div>
            )}
            {!props.impersonating && confirming !== null && (
              <LinkConfirm key={confirming} provider={confirming} label={labelOf(confirming)} proofs={data.proofs} onCancel={() => { setConfirming(null); }} />
            )}
            <ActionMessage action={action} />
          </div>
        )}
      </AsyncView>
    </Section>
  );
}
