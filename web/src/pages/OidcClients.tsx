import { useState, type ReactNode } from 'react';
import { createOidcClient, listOidcClients, removeOidcClient, type OidcClient } from '../api/oidc';
import { ActionForm } from '../components/ActionForm';
import { Link } from '../components/Link';
import { RowList } from '../components/RowList';
import { ActionMessage, Alert, AsyncView, Badge, ConfirmAction, Field, Section } from '../components/ui';
import { fieldErrors } from '../lib/errors';
import { formatDateTime } from '../lib/format';
import { useAction, useDocumentTitle, useResource } from '../lib/hooks';

function uris(text: string): string[] {
  return text.split(/\s+/).filter((u) => u !== '');
}

/** The secret of a new confidential client, shown this once (the server keeps only its hash). */
function NewSecret(props: { readonly client: OidcClient; readonly secret: string | null; readonly onDone: () => void }): ReactNode {
  return (
    <Alert kind="success">
      <p>
        <strong>{props.client.name}</strong> is registered. client_id: <code className="mono">{props.client.clientId}</code>
      </p>
      {props.secret !== null && (
        <p>
          client_secret: <code className="mono">{props.secret}</code> — copy it now: it is not shown again.
        </p>
      )}
      <button type="button" className="button small secondary" onClick={props.onDone}>
        Done
      </button>
    </Alert>
  );
}

function AddClientSection(props: { readonly onAdded: () => void }): ReactNode {
  const [name, setName] = useState('');
  const [redirects, setRedirects] = useState('');
  const [logoutRedirects, setLogoutRedirects] = useState('');
  const [isPublic, setPublic] = useState(false);
  const [firstParty, setFirstParty] = useState(false);
  const [created, setCreated] = useState<{ client: OidcClient; clientSecret: string | null } | null>(null);
  const action = useAction();
  const errors = fieldErrors(action.error);
  function submit(): void {
    void action.run(async () => {
      const result = await createOidcClient({ name: name.trim(), redirectUris: uris(redirects), postLogoutRedirectUris: uris(logoutRedirects), public: isPublic, firstParty });
      setCreated(result);
      setName('');
      setRedirects('');
      setLogoutRedirects('');
      props.onAdded();
    });
  }
  return (
    <Section title="Register an app" description="Apps sign their users in with Gatehouse through OpenID Connect (see docs/OIDC.md).">
      {created !== null && <NewSecret client={created.client} secret={created.clientSecret} onDone={() => { setCreated(null); }} />}
      <ActionForm action={action} onSubmit={submit} submitLabel="Register app" busyLabel="Registering…">
        <Field label="Name (shown on the consent page)" name="clientName" field="name" value={name} onChange={setName} required maxLength={200} />
        <Field label="Redirect URIs (space-separated, exact)" name="redirectUris" value={redirects} onChange={setRedirects} required error={errors.redirectUris} />
        <Field label="Post-logout redirect URIs" name="postLogoutRedirectUris" value={logoutRedirects} onChange={setLogoutRedirects} markOptional />
        <label className="checkbox">
          <input type="checkbox" checked={isPublic} onChange={(e) => { setPublic(e.target.checked); }} /> Public client (a browser or mobile app: PKCE, no secret)
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={firstParty} onChange={(e) => { setFirstParty(e.target.checked); }} /> First-party (no consent page)
        </label>
      </ActionForm>
    </Section>
  );
}

export function OidcClientsPage(): ReactNode {
  useDocumentTitle('Apps (OpenID Connect)');
  const clients = useResource(listOidcClients);
  const action = useAction();
  async function remove(id: string): Promise<void> {
    await action.run(() => removeOidcClient(id), 'The app was removed; its tokens have ended.');
    clients.reload();
  }
  return (
    <div className="stack-lg">
      <div className="page-head">
        <h1>Apps</h1>
        <p className="muted">
          Apps that sign in with Gatehouse. <Link to="/admin">Back to administration</Link>
        </p>
      </div>
      <AddClientSection onAdded={clients.reload} />
      <Section title="Registered apps">
        <ActionMessage action={action} />
        <AsyncView resource={clients.state} onRetry={clients.reload} label="Loading apps…">
          {(data) => (
            <RowList label="Registered apps" items={data.clients} empty="No app is registered yet.">
              {(c) => (
                <li className="row" key={c.clientId}>
                  <div className="row-main">
                    <span className="row-title">
                      {c.name} {c.public && <Badge>public</Badge>} {c.firstParty && <Badge tone="info">first-party</Badge>}
                    </span>
                    <span className="row-meta">
                      <span className="mono">{c.clientId}</span> · {c.redirectUris.join(' ')} · added {formatDateTime(c.createdAt)}
                    </span>
                  </div>
                  <div className="row-side">
                    <ConfirmAction label="Remove" name={`Remove ${c.name}`} prompt={`Remove ${c.name}? Everyone signed in to it through Gatehouse is signed out.`} confirmLabel="Remove app" onConfirm={() => remove(c.clientId)} />
                  </div>
                </li>
              )}
            </RowList>
          )}
        </AsyncView>
      </Section>
    </div>
  );
}
