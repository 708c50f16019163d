import { useEffect, useState, type ReactNode } from 'react';
import { fetchMfa, resendVerification, updateProfile } from '../api/endpoints';
import type { Me } from '../api/types';
import { Link } from '../components/Link';
import { ActionForm } from '../components/ActionForm';
import { ReauthForm } from '../components/ReauthForm';
import { ActionMessage, Alert, Badge, Field, Section } from '../components/ui';
import { fieldErrors } from '../lib/errors';
import { clearFlash, peekFlash } from '../lib/flash';
import { formatDate, ORG_ROLE_LABELS } from '../lib/format';
import { useAction, useDocumentTitle, useResource } from '../lib/hooks';
import { refreshSession } from '../lib/session';
import { OidcConsentsSection } from './OidcAccount';
import { useLocation } from '../lib/router';
import { LinkedIdentities } from '../components/LinkedIdentities';
import { DeleteAccountSection } from '../components/DeleteAccountSection';

function NameSection(props: { readonly me: Me }): ReactNode {
  const [name, setName] = useState(props.me.user.name);
  const action = useAction();
  function submit(): void {
    void action.run(async () => {
      await updateProfile({ name: name.trim() });
      await refreshSession();
    }, 'Your name was saved.');
  }
  return (
    <Section title="Your details" description={`Member since ${formatDate(props.me.user.createdAt)}.`}>
      <ActionForm action={action} onSubmit={submit} submitLabel="Save name" busyLabel="Saving…" ready={name.trim() !== props.me.user.name}>
        <Field label="Name" name="name" autoComplete="name" value={name} onChange={setName} required maxLength={200} error={fieldErrors(action.error).name} />
      </ActionForm>
    </Section>
  );
}

function EmailSection(props: { readonly me: Me; readonly hasPasskey: boolean }): ReactNode {
  const { user } = props.me;
  const resend = useAction();
  const change = useAction();
  const [email, setEmail] = useState('');
  const errors = fieldErrors(change.error);
  return (
    <Section title="Email address">
      <div className="email-line">
        <span className="email-value">{user.email}</span>
        {user.emailVerified ? <Badge tone="good">Verified</Badge> : <Badge tone="warn">Not verified</Badge>}
      </div>
      {!user.emailVerified && (
        <div className="stack">
          <Alert kind="warning">
            This address is waiting for confirmation. Open the link we emailed to it, so you can always recover this account.
          </Alert>
          <div>
            <button type="button" className="button secondary" disabled={resend.busy} onClick={() => void resend.run(resendVerification, 'We sent a new confirmation link. Check your inbox.')}>
              {resend.busy ? 'Sending…' : 'Resend confirmation email'}
            </button>
          </div>
          <ActionMessage action={resend} />
        </div>
      )}
      {props.me.impersonator !== null ? (
        <p className="muted">The email address cannot be changed while impersonating.</p>
      ) : (
        <ReauthForm
          action={change}
          className="form subform"
          passkeyAllowed={props.hasPasskey}
          passwordLabel="Current password"
          passwordName="currentPassword"
          passwordField="currentPassword"
          passwordHint={props.hasPasskey ? 'For your safety, changing the address needs your password or a passkey.' : 'For your safety, changing the address needs your password.'}
          submitLabel="Change email"
          tone={email.trim() === '' ? 'secondary' : 'primary'}
          busyLabel="Saving…"
          checkOtherFields={() => (email.trim() === '' ? 'Enter the new email address first.' : null)}
          onProof={async (proof) => {
            const result = await updateProfile('password' in proof ? { email, currentPassword: proof.password } : { email, passkey: proof.passkey });
            setEmail('');
            await refreshSession();
            return result;
          }}
          success={(result) => `Your email is now ${result.user.email}. You sign in with it from now on; open the link we sent to it to confirm it.`}
          passwordError={errors.currentPassword}
        >
          <h3>Change email address</h3>
          <p className="muted">
            The change takes effect at once: from then on you sign in with the new address, and it stays unconfirmed until you open the link we email to it.
            Your current address gets a notice.
          </p>
          <Field label="New email address" type="email" name="newEmail" field="email" autoComplete="email" value={email} onChange={setEmail} required error={errors.email} />
        </ReauthForm>
      )}
    </Section>
  );
}

function OrganizationSection(props: { readonly me: Me }): ReactNode {
  const org = props.me.user.organization;
  const [name, setName] = useState(org?.name ?? '');
  const action = useAction();
  if (org === null) {
    return (
      <Section title="Organization">
        <p className="muted">You do not belong to an organization.</p>
      </Section>
    );
  }
  const canRename = org.role === 'owner' || org.role === 'admin';
  function submit(): void {
    void action.run(async () => {
      await updateProfile({ organizationName: name.trim() });
      await refreshSession();
    }, 'The organization name was saved.');
  }
  return (
    <Section title="Organization" description={<>You are {org.role === 'member' ? 'a' : 'an'} {ORG_ROLE_LABELS[org.role].toLowerCase()} of <strong>{org.name}</strong>.</>} actions={<Link to="/organization">Members and invitations</Link>}>
      {canRename && (
        <ActionForm action={action} onSubmit={submit} submitLabel="Rename organization" busyLabel="Saving…" ready={name.trim() !== org.name}>
          <Field label="Organization name" name="organizationName" autoComplete="organization" value={name} onChange={setName} required maxLength={200} error={fieldErrors(action.error).organizationName} />
        </ActionForm>
      )}
    </Section>
  );
}

export function ProfilePage(props: { readonly me: Me }): ReactNode {
  useDocumentTitle('Profile');
  // A message carried here from the last page (welcome, deleted…) goes once the user does something else.
  const [flash, setPageFlash] = useState(peekFlash);
  useEffect(clearFlash, []);
  const { me } = props;
  const { params } = useLocation();
  // Passkey holders may confirm sensitive changes with a passkey instead of the password.
  const mfa = useResource(fetchMfa);
  const hasPasskey = mfa.state.status === 'ready' && mfa.state.data.passkeys.length > 0;
  return (
    <div className="stack-lg" onInput={() => { setPageFlash(null); }} onSubmit={() => { setPageFlash(null); }}>
      <div className="page-head">
        <h1>Hello, {me.user.name}</h1>
        <p className="muted">Your account details. Changes are saved when you press the button of each section.</p>
      </div>
      {flash !== null && <Alert kind={flash.kind}>{flash.text}</Alert>}
      <NameSection me={me} />
      <EmailSection me={me} hasPasskey={hasPasskey} />
      <OrganizationSection me={me} />
      {me.impersonator === null && <OidcConsentsSection />}
      <LinkedIdentities linked={params.get('linked')} error={params.get('error')} impersonating={me.impersonator !== null} />
      {me.impersonator === null && <DeleteAccountSection me={me} hasPasskey={hasPasskey} />}
    </div>
  );
}
