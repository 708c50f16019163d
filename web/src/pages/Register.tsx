import { useState, type ReactNode } from 'react';
import { register } from '../api/endpoints';
import { Link } from '../components/Link';
import { ActionForm } from '../components/ActionForm';
import { Alert, Field } from '../components/ui';
import { ProviderButtons } from '../components/ProviderButtons';
import { errorAtField, fieldErrors } from '../lib/errors';
import { setFlash } from '../lib/flash';
import { useAction, useDocumentTitle } from '../lib/hooks';
import { safeReturnPath, withNext } from '../lib/return-path';
import { navigate, useLocation } from '../lib/router';
import { refreshSession } from '../lib/session';
import { isDeadLinkError, useTokenCheck } from '../lib/token-check';
import { forgetUrlToken, peekUrlToken } from '../lib/url-token';

export function RegisterPage(): ReactNode {
  useDocumentTitle('Create an account');
  const { params } = useLocation();
  const next = safeReturnPath(params.get('next'));
  // Coming from a join link: the account is made straight into the inviting organization.
  const [inviteToken, setInviteToken] = useState(() => (next.startsWith('/join') ? peekUrlToken('/join') : null));
  const { check } = useTokenCheck(inviteToken, 'org_invite');
  const invite = check.status === 'valid' ? check.data : null;
  const [inviteDied, setInviteDied] = useState(false);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [organizationName, setOrganizationName] = useState('');
  const action = useAction();
  const errors = fieldErrors(action.error);
  const joining = inviteToken !== null && check.status !== 'dead';

  function submit(): void {
    void action.run(async () => {
      const org = organizationName.trim();
      try {
        await register({ name, email, password, ...(joining ? { inviteToken } : org === '' ? {} : { organizationName: org }) });
      } catch (e) {
        if (joining && isDeadLinkError(e)) {
          // Nothing was created. Drop the dead invitation: the next try makes an ordinary account.
          forgetUrlToken('/join');
          setInviteToken(null);
          setInviteDied(true);
        }
        throw errorAtField(e, 'email_taken', 'email');
      }
      const welcome = invite === null ? 'Welcome!' : `Welcome to ${invite.organization.name}!`;
      setFlash({ kind: 'success', text: `${welcome} We sent a link to ${email.trim()} to confirm your address.` });
      // The invitation is used up: the join page has nothing left to do, so go to the profile. The
      // address bar's `next` is changed first, as signing in sends this guest-only page there.
      const target = joining ? '/' : next;
      if (joining) {
        forgetUrlToken('/join');
        navigate(withNext('/register', target), { replace: true });
      }
      await refreshSession();
      navigate(target, { replace: true });
    });
  }

  return (
    <div className="auth-card card">
      <h1>Create an account</h1>
      {invite !== null && (
        <p className="lead">
          {invite.invitedBy.name ?? invite.invitedBy.email} invited you to <strong>{invite.organization.name}</strong>: your new account joins it as{' '}
          {invite.role === 'admin' ? 'an admin' : 'a member'}.
        </p>
      )}
      {(check.status === 'dead' || inviteDied) && (
        <Alert kind="info">
          The invitation link has expired or was already used, so this account will not join that organization. Ask for a new invitation, or create an account of your own.
        </Alert>
      )}
      <ActionForm action={action} onSubmit={submit} submitLabel={invite === null ? 'Create account' : 'Create account and join'} busyLabel="Creating your account…">
        <Field label="Your name" name="name" autoComplete="name" value={name} onChange={setName} required maxLength={200} error={errors.name} />
        <Field label="Email" type="email" name="email" autoComplete="email" value={email} onChange={setEmail} required error={errors.email} />
        <Field
          label="Password"
          type="password"
          name="password"
          autoComplete="new-password"
          value={password}
          onChange={setPassword}
          required
          hint="At least 8 characters. A long phrase is easier to remember and harder to guess."
          strength={{ userInputs: [name, email] }}
          error={errors.password}
        />
        {!joining && (
          <Field
            label="Organization name"
            name="organizationName"
            autoComplete="organization"
            value={organizationName}
            onChange={setOrganizationName}
            markOptional
            maxLength={200}
            hint="You will be its owner. You can rename it later."
            error={errors.organizationName}
          />
        )}
      </ActionForm>
      <ProviderButtons next={next} verb="Sign up with" />
      <div className="auth-links">
        <p>
          Already have an account? <Link to={withNext('/sign-in', next)}>Sign in</Link>
        </p>
      </div>
    </div>
  );
}
