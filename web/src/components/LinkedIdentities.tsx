import { useState, type ReactNode } from 'react';
import { api } from '../api/client';
import { formatDate } from '../lib/format';
import { useAction, useResource } from '../lib/hooks';
import { fetchProviders, providerErrorText } from './ProviderButtons';
import { ActionMessage, Alert, AsyncView, Section } from './ui';

interface IdentityView {
  readonly id: string;
  readonly provider: string;
  readonly email: string | null;
  readonly createdAt: string;
}

async function load(): Promise<{ identities: IdentityView[]; providers: { name: string; label: string }[] }> {
  const [mine, all] = await Promise.all([api.get<{ identities: IdentityView[] }>('/api/identities'), fetchProviders()]);
  return { identities: mine.identities, providers: all.providers };
}

/**
 * The profile's "Sign-in providers" section: linked identities with Unlink, and a Link button per
 * configured provider. Linking is a CSRF-checked POST that returns the provider URL to go to.
 */
export function LinkedIdentities(props: { readonly linked: string | null; readonly error: string | null; readonly impersonating: boolean }): ReactNode {
  const { state, reload } = useResource(load);
  const action = useAction();
  const [busy, setBusy] = useState<string | null>(null);
  if (state.status === 'ready' && state.data.providers.length === 0 && state.data.identities.length === 0) return null;
  function link(name: string): void {
    setBusy(name);
    void action.run(async () => {
      const { url } = await api.post<{ url: string }>(`/api/identities/link/${encodeURIComponent(name)}`);
      window.location.assign(url);
    });
  }
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
                    <button key={p.name} type="button" className="button secondary" disabled={action.busy} onClick={() => { link(p.name); }}>
                      {busy === p.name && action.busy ? 'Opening…' : `Link ${p.label}`}
                    </button>
                  ))}
              </div>
            )}
            <ActionMessage action={action} />
          </div>
        )}
      </AsyncView>
    </Section>
  );
}
