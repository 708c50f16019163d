import { useState, type ReactNode } from 'react';
import { joinOrganization } from '../api/endpoints';
import type { Me, Organization, TokenInspection } from '../api/types';
import { Link } from '../components/Link';
import { DeadLinkNotice, LinkCheckFailed } from '../components/DeadLink';
import { Alert, ActionMessage, Loading } from '../components/ui';
import { formatDateTime, ORG_ROLE_LABELS } from '../lib/format';
import { useAction, useDocumentTitle } from '../lib/hooks';
import { refreshSession, useSession } from '../lib/session';
import { isDeadLinkError, useTokenCheck } from '../lib/token-check';
import { forgetUrlToken, useUrlToken } from '../lib/url-token';

type InviteDetails = Extract<TokenInspection, { purpose: 'org_invite' }>;

function inviterOf(invite: InviteDetails): string {
  const { name, email } = invite.invitedBy;
  return name === null || name === '' ? email : `${name} (${email})`;
}

/** Who invites whom to what: the organization and the inviter, named before anything is asked. */
function InvitationSummary(props: { readonly invite: InviteDetails }): ReactNode {
  const { invite } = props;
  return (
    <div className="stack">
      <p className="lead">
        <strong>{inviterOf(invite)}</strong> invited you to join <strong>{invite.organization.name}</strong> as {invite.role === 'admin' ? 'an' : 'a'}{' '}
        {ORG_ROLE_LABELS[invite.role].toLowerCase()}.
      </p>
      <p className="muted">
        The invitation was sent to {invite.email} and is valid until {formatDateTime(invite.expiresAt)}.
      </p>
    </div>
  );
}

function AcceptAsMember(props: { readonly me: Me; readonly invite: InviteDetails; readonly token: string; readonly onJoined: (org: Organization) => void; readonly onDead: () => void }): ReactNode {
  const { me, invite } = props;
  const action = useAction();
  const current = me.user.organization;
  function join(): void {
    void action.run(async () => {
      try {
        const result = await joinOrganization(props.token);
        forgetUrlToken('/join');
        props.onJoined(result.organization);
        await refreshSession();
      } catch (e) {
        if (isDeadLinkError(e)) props.onDead();
        throw e;
      }
    });
  }
  return (
    <div className="stack">
      <p className="muted">
        You are signed in as <strong>{me.user.email}</strong>
        {current !== null && (
          <>
            {' '}and belong to <strong>{current.name}</strong>
          </>
        )}
        . Accepting moves this account into {invite.organization.name}
        {current !== null && <>; you leave {current.name}</>}.
      </p>
      {me.user.email !== invite.email && (
        <p className="muted">This invitation was sent to {invite.email}. If that is another account of yours, sign out and accept it there.</p>
      )}
      <ActionMessage action={action} />
      <div className="actions">
        <button type="button" className="button primary" onClick={join} disabled={action.busy}>
          {action.busy ? 'Joining…' : 'Accept invitation'}
        </button>
      </div>
    </div>
  );
}

function SignInOrRegister(props: { readonly invite: InviteDetails }): ReactNode {
  return (
    <div className="stack">
      <p className="muted">To accept, sign in to your account, or create one: you come back here afterwards. A new account joins {props.invite.organization.name} directly.</p>
      <div className="actions">
        <Link to="/sign-in?next=%2Fjoin" className="button primary">
          Sign in to accept
        </Link>
        <Link to="/register?next=%2Fjoin" className="button secondary">
          Create an account
        </Link>
      </div>
    </div>
  );
}

export function JoinPage(): ReactNode {
  useDocumentTitle('Join an organization');
  const session = useSession();
  // Kept for this tab (see url-token.ts) while the visitor signs in or registers, and across a reload.
  const token = useUrlToken();
  const { check, retry } = useTokenCheck(token, 'org_invite');
  const [joined, setJoined] = useState<Organization | null>(null);
  const [diedOnUse, setDiedOnUse] = useState(false);

  if (joined !== null) {
    return (
      <div className="auth-card card">
        <h1>Welcome to {joined.name}</h1>
        <Alert kind="success">You joined the organization {joined.name}.</Alert>
        <div className="auth-links">
          <Link to="/organization" className="button primary">
            See your organization
          </Link>
        </div>
      </div>
    );
  }

  let body: ReactNode;
  if (token === null || check.status === 'no-token') {
    body = <Alert kind="error">This invitation link is incomplete. Open the link from the email again.</Alert>;
  } else if (check.status === 'dead' || diedOnUse) {
    body = (
      <DeadLinkNotice>
        <p className="muted">An invitation works once and for a limited time, and can be withdrawn. Ask the person who invited you to send a new invitation.</p>
        <div className="auth-links">
          {session.status === 'signed-in' ? <Link to="/">Go to your profile</Link> : <Link to="/sign-in">Sign in</Link>}
        </div>
      </DeadLinkNotice>
    );
  } else if (check.status === 'checking' || session.status === 'loading') {
    body = <Loading label="Checking your invitation…" />;
  } else if (check.status === 'failed') {
    body = <LinkCheckFailed error={check.error} onRetry={retry} />;
  } else {
    body = (
      <>
        <InvitationSummary invite={check.data} />
        {session.status === 'signed-in' ? (
          <AcceptAsMember me={session.me} invite={check.data} token={token} onJoined={setJoined} onDead={() => { setDiedOnUse(true); }} />
        ) : (
          <SignInOrRegister invite={check.data} />
        )}
      </>
    );
  }
  const title = check.status === 'valid' && !diedOnUse ? `Join ${check.data.organization.name}` : 'Join an organization';
  return (
    <div className="auth-card card">
      <h1>{title}</h1>
      {body}
    </div>
  );
}
