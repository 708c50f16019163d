import { useState, type ReactNode } from 'react';
import { deleteUser, impersonate, resetUserMfa, searchEvents, searchUsers, setUserDisabled } from '../api/endpoints';
import type { Me, User } from '../api/types';
import { EventList } from '../components/EventList';
import { EventTypeSelect, emptyEventsText } from '../components/EventTypeSelect';
import { Pager } from '../components/Pager';
import { RowList } from '../components/RowList';
import { ActionMessage, AsyncView, Badge, ConfirmAction, Field, Form, Section, SubmitButton } from '../components/ui';
import { formatDate } from '../lib/format';
import { useAction, useDocumentTitle, useResource, type Action } from '../lib/hooks';
import { navigate } from '../lib/router';
import { refreshSession } from '../lib/session';
import { Link } from '../components/Link';

function describeFactors(mfa: { readonly totp: boolean; readonly passkeys: number }): string {
  const parts: string[] = [];
  if (mfa.totp) parts.push('authenticator app');
  if (mfa.passkeys > 0) parts.push(mfa.passkeys === 1 ? '1 passkey' : `${mfa.passkeys} passkeys`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

function UserRow(props: { readonly user: User; readonly me: Me; readonly action: Action; readonly onChange: () => void; readonly onShowEvents: (user: User) => void }): ReactNode {
  const { user, action } = props;
  const self = user.id === props.me.user.id;
  const mfa = user.mfa;
  const hasFactor = mfa !== undefined && (mfa.totp || mfa.passkeys > 0);
  async function toggle(): Promise<void> {
    const disabled = !user.disabled;
    await action.run(() => setUserDisabled(user.id, { disabled }), `${user.email} was ${disabled ? 'disabled' : 'enabled'}.`);
    props.onChange();
  }
  async function remove(): Promise<void> {
    await action.run(() => deleteUser(user.id), `${user.email} was deleted.`);
    props.onChange();
  }
  async function resetMfa(): Promise<void> {
    await action.run(() => resetUserMfa(user.id), `The two-factor authentication of ${user.email} was reset.`);
    props.onChange();
  }
  async function actAs(): Promise<void> {
    const result = await action.run(() => impersonate(user.id));
    if (result === undefined) return;
    await refreshSession();
    navigate('/');
  }
  return (
    <li className="row">
      <div className="row-main">
        <span className="row-title">
          {user.name} {user.role === 'admin' && <Badge tone="info">Site admin</Badge>} {user.disabled && <Badge tone="bad">Disabled</Badge>}{' '}
          {!user.emailVerified && <Badge tone="warn">Not verified</Badge>} {hasFactor && <Badge tone="good">2FA</Badge>}
        </span>
        <span className="row-meta">
          {user.email} · {user.organization?.name ?? 'no organization'} · joined {formatDate(user.createdAt)}
        </span>
        {mfa !== undefined && <span className="row-meta">Second factors: {describeFactors(mfa)}</span>}
        {user.identities !== undefined && user.identities.length > 0 && (
          <span className="row-meta">Sign-in providers: {user.identities.map((i) => (i.email === null ? i.provider : `${i.provider} (${i.email})`)).join(', ')}</span>
        )}
      </div>
      <div className="row-side actions">
        <button type="button" className="button small secondary" aria-label={`Events of ${user.email}`} onClick={() => { props.onShowEvents(user); }}>
          Events
        </button>
        {!self && user.role !== 'admin' && !user.disabled && (
          <ConfirmAction label="Impersonate" name={`Impersonate ${user.email}`} prompt={`Act as ${user.email}? This is recorded in their security events.`} confirmLabel="Start impersonating" tone="secondary" onConfirm={actAs} />
        )}
        {!self && (
          <ConfirmAction
            label={user.disabled ? 'Enable' : 'Disable'}
            name={`${user.disabled ? 'Enable' : 'Disable'} ${user.email}`}
            prompt={user.disabled ? `Enable ${user.email}? They can sign in again.` : `Disable ${user.email}? They are signed out everywhere at once.`}
            confirmLabel={user.disabled ? 'Enable user' : 'Disable user'}
            tone={user.disabled ? 'secondary' : 'danger'}
            onConfirm={toggle}
          />
        )}
        {!self && hasFactor && (
          <ConfirmAction
            label="Reset two-factor"
            name={`Reset two-factor of ${user.email}`}
            prompt={`Remove every second factor of ${user.email} (authenticator app, passkeys, recovery codes)? They can then sign in with their password alone, and are emailed about it.`}
            confirmLabel="Reset two-factor"
            onConfirm={resetMfa}
          />
        )}
        {!self && <ConfirmAction label="Delete" name={`Delete ${user.email}`} prompt={`Delete ${user.email}? This cannot be undone.`} confirmLabel="Delete user" onConfirm={remove} />}
      </div>
    </li>
  );
}

function UsersSection(props: { readonly me: Me; readonly onShowEvents: (user: User) => void }): ReactNode {
  const [draft, setDraft] = useState('');
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [generation, setGeneration] = useState(0);
  const users = useResource(() => searchUsers(q, page), `${q}\n${page}\n${generation}`);
  const action = useAction();
  function search(): void {
    setQ(draft.trim());
    setPage(1);
  }
  return (
    <Section title="Users" description="Search by email or name.">
      <Form onSubmit={search} className="form search-form">
        <Field label="Search" type="search" name="q" autoComplete="off" value={draft} onChange={setDraft} required={false} />
        <SubmitButton busy={false}>Search</SubmitButton>
      </Form>
      <ActionMessage action={action} />
      <AsyncView resource={users.state} onRetry={users.reload} label="Loading users…">
        {(data) => (
          <div className="stack">
            <RowList label="Users" items={data.users} empty={q === '' ? 'No users yet.' : `No user matches “${q}”.`}>
              {(user) => <UserRow key={`${user.id}:${String(user.disabled)}:${String(user.mfa?.totp)}:${user.mfa?.passkeys ?? 0}`} user={user} me={props.me} action={action} onChange={() => { setGeneration((g) => g + 1); }} onShowEvents={props.onShowEvents} />}
            </RowList>
            <Pager label="Users pages" page={data.page} pageSize={data.pageSize} total={data.total} noun={data.total === 1 ? 'user' : 'users'} onPage={setPage} />
          </div>
        )}
      </AsyncView>
    </Section>
  );
}

function EventsSection(props: { readonly filterUser: User | null; readonly onClear: () => void }): ReactNode {
  const [type, setType] = useState('');
  const [page, setPage] = useState(1);
  const userId = props.filterUser?.id;
  const events = useResource(() => searchEvents({ userId, type, page }), `${userId ?? ''}\n${type}\n${page}`);
  return (
    <Section
      title="Security events"
      description={props.filterUser === null ? 'Recent events of every account.' : `Events of ${props.filterUser.email}.`}
      actions={
        props.filterUser !== null && (
          <button type="button" className="button small secondary" onClick={props.onClear}>
            Show every account
          </button>
        )
      }
    >
      <div className="event-filters">
        <EventTypeSelect
          value={type}
          onChange={(next) => {
            setType(next);
            setPage(1);
          }}
        />
      </div>
      <AsyncView resource={events.state} onRetry={events.reload} label="Loading events…">
        {(data) => (
          <div className="stack">
            <EventList events={data.events} showTarget empty={emptyEventsText(type, props.filterUser?.email ?? null)} />
            {data.total > 0 && <Pager label="Events pages" page={data.page} pageSize={data.pageSize} total={data.total} noun={data.total === 1 ? 'event' : 'events'} onPage={setPage} />}
          </div>
        )}
      </AsyncView>
    </Section>
  );
}

export function AdminPage(props: { readonly me: Me }): ReactNode {
  useDocumentTitle('Admin');
  const [filterUser, setFilterUser] = useState<User | null>(null);
  return (
    <div className="stack-lg">
      <div className="page-head">
        <h1>Administration</h1>
        <p className="muted">Every account on this Gatehouse. Actions here are recorded in the security events.</p>
        <p>
          <Link to="/admin/oidc-clients">Apps signing in with Gatehouse (OpenID Connect)</Link>
        </p>
      </div>
      <UsersSection me={props.me} onShowEvents={setFilterUser} />
      <EventsSection key={filterUser?.id ?? 'all'} filterUser={filterUser} onClear={() => { setFilterUser(null); }} />
    </div>
  );
}
