import { createContext, useContext, type ReactNode } from 'react';
import { listConsents, listSessionApps, withdrawConsent, SCOPE_TEXT, type OidcSessionApps } from '../api/oidc';
import { ActionMessage, AsyncView, ConfirmAction, Section } from '../components/ui';
import { RowList } from '../components/RowList';
import { formatDateTime } from '../lib/format';
import { useAction, useResource } from '../lib/hooks';

/** Profile page: the apps the user allowed, each withdrawable (which ends its tokens). */
export function OidcConsentsSection(): ReactNode {
  const consents = useResource(listConsents);
  const action = useAction();
  async function withdraw(clientId: string): Promise<void> {
    await action.run(() => withdrawConsent(clientId), 'Access withdrawn. The app is signed out.');
    consents.reload();
  }
  return (
    <Section title="Apps with access" description="Apps you allowed to sign you in with Gatehouse. Withdrawing access signs the app out.">
      <ActionMessage action={action} />
      <AsyncView resource={consents.state} onRetry={consents.reload} label="Loading apps…">
        {(data) => (
          <RowList label="Apps with access" items={data.consents} empty="No app has access.">
            {(c) => (
              <li className="row" key={c.clientId}>
                <div className="row-main">
                  <span className="row-title">{c.clientName}</span>
                  <span className="row-meta">
                    {c.scopes.map((s) => SCOPE_TEXT[s] ?? s).join(' · ')} · allowed {formatDateTime(c.grantedAt)}
                  </span>
                </div>
                <div className="row-side">
                  <ConfirmAction label="Withdraw" name={`Withdraw access of ${c.clientName}`} prompt={`Withdraw the access of ${c.clientName}?`} confirmLabel="Withdraw access" onConfirm={() => withdraw(c.clientId)} />
                </div>
              </li>
            )}
          </RowList>
        )}
      </AsyncView>
    </Section>
  );
}

const AppsContext = createContext<readonly OidcSessionApps[]>([]);

/** Devices page: loads, once per list, the apps signed in through each session. */
export function OidcAppsProvider(props: { readonly generation: number; readonly children: ReactNode }): ReactNode {
  const apps = useResource(listSessionApps, String(props.generation));
  const value = apps.state.status === 'ready' ? apps.state.data.sessions : [];
  return <AppsContext.Provider value={value}>{props.children}</AppsContext.Provider>;
}

/** Under a device: "Apps: Wiki, Grafana" (nothing when none). */
export function SessionApps(props: { readonly sessionId: string }): ReactNode {
  const entry = useContext(AppsContext).find((s) => s.sessionId === props.sessionId);
  if (entry === undefined || entry.apps.length === 0) return null;
  return <span className="row-meta">Apps signed in: {entry.apps.map((a) => a.name).join(', ')}</span>;
}
