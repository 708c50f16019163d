import { useState, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { joinOrganization } from '../api/endpoints';
import type { Organization } from '../api/types';
import { Link } from '../components/Link';
import { Alert, ActionMessage } from '../components/ui';
import { useAction, useDocumentTitle } from '../lib/hooks';
import { refreshSession, useSession } from '../lib/session';
import { forgetUrlToken, useUrlToken } from '../lib/url-token';

export function JoinPage(): ReactNode {
  useDocumentTitle('Join an organization');
  const session = useSession();
  // Kept in memory while the visitor signs in or registers, then used here on return.
  const token = useUrlToken();
  const [joined, setJoined] = useState<Organization | null>(null);
  const action = useAction();
  const linkDead = action.error instanceof ApiError && (action.error.code === 'invalid_token' || action.error.code === 'token_expired');

  function join(): void {
    // eslint-disable-next-line security/detect-possible-timing-attacks -- a null check on the URL's own token, not a comparison with a secret
    if (token === null) return;
    void action.run(async () => {
      const result = await joinOrganization(token);
      forgetUrlToken('/join');
      setJoined(result.organization);
      await refreshSession();
    });
  }

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

  // eslint-disable-next-line security/detect-possible-timing-attacks -- a null check on the URL's own token, not a comparison with a secret
  if (token === null) {
    return (
      <div className="auth-card card">
        <h1>Join an organization</h1>
        <Alert kind="error">This invitation link is incomplete. Open the link from the email again.</Alert>
      </div>
    );
  }

  return (
    <div className="auth-card card">
      <h1>Join an organization</h1>
      <p className="lead">You’ve been invited to join an organization on Gatehouse.</p>
      {session.status === 'signed-in' ? (
        <div className="stack">
          <p className="muted">
            You are signed in as <strong>{session.me.user.email}</strong>
            {session.me.user.organization !== null && <> and belong to {session.me.user.organization.name}</>}. Accepting makes this
            account a member of the inviting organization.
          </p>
          <ActionMessage action={action} />
          {linkDead && <p className="muted">Ask the person who invited you to send a new invitation.</p>}
          <div>
            <button type="button" className="button primary" onClick={join} disabled={action.busy || linkDead}>
              {action.busy ? 'Joining…' : 'Accept invitation'}
            </button>
          </div>
        </div>
      ) : (
        <div className="stack">
          <p className="muted">Sign in, or create an account, to accept. You will come back to this page afterwards.</p>
          <div className="actions">
            <Link to="/sign-in?next=%2Fjoin" className="button primary">
              Sign in to accept
            </Link>
            <Link to="/register?next=%2Fjoin" className="button secondary">
              Create an account
            </Link>
          </div>
        </div>
      )}
    </div>
  );
}
