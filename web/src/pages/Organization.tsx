import { useState, type ReactNode } from 'react';
import { changeMemberRole, fetchOrganization, invite, listInvitations, removeMember, revokeInvitation } from '../api/endpoints';
import type { Invitation, Me, Member, OrgRole } from '../api/types';
import { RequireMfaSwitch } from '../components/RequireMfaSwitch';
import { ActionForm } from '../components/ActionForm';
import { RowList } from '../components/RowList';
import { ActionMessage, AsyncView, Badge, ConfirmAction, Field, Section, SelectField } from '../components/ui';
import { fieldErrors } from '../lib/errors';
import { formatDate, formatDateTime, ORG_ROLE_LABELS } from '../lib/format';
import { useAction, useDocumentTitle, useResource, type Action } from '../lib/hooks';
import { refreshSession } from '../lib/session';

function roleOptions(myRole: OrgRole): { value: OrgRole; label: string }[] {
  const options: { value: OrgRole; label: string }[] = [
    { value: 'member', label: 'Member' },
    { value: 'admin', label: 'Admin' },
  ];
  if (myRole === 'owner') options.push({ value: 'owner', label: 'Owner' });
  return options;
}

function MemberRow(props: { readonly member: Member; readonly me: Me; readonly manage: boolean; readonly action: Action; readonly onChange: () => void }): ReactNode {
  const { member, me, action } = props;
  const [role, setRole] = useState<OrgRole>(member.role);
  const self = member.userId === me.user.id;
  const myRole = me.user.organization?.role ?? 'member';
  // Admins manage members and admins; only owners touch owners.
  const editable = props.manage && !self && (myRole === 'owner' || member.role !== 'owner');
  async function saveRole(): Promise<void> {
    await action.run(() => changeMemberRole(member.userId, role), `${member.email} is now ${ORG_ROLE_LABELS[role].toLowerCase()}.`);
    props.onChange();
  }
  async function remove(): Promise<void> {
    await action.run(() => removeMember(member.userId), `${member.email} was removed from the organization.`);
    props.onChange();
  }
  return (
    <li className="row">
      <div className="row-main">
        <span className="row-title">
          {member.name} {self && <Badge tone="info">You</Badge>}{' '}
          {member.mfa ? <Badge tone="good">2FA</Badge> : <Badge tone="warn">No 2FA</Badge>}
        </span>
        <span className="row-meta">
          {member.email} · joined {formatDate(member.joinedAt)}
        </span>
      </div>
      <div className="row-side">
        {editable ? (
          <div className="inline-form">
            <SelectField compact label={`Role of ${member.email}`} value={role} options={roleOptions(myRole)} onChange={setRole} />
            <button type="button" className="button small secondary" disabled={role === member.role || action.busy} onClick={() => void saveRole()} aria-label={`Save role of ${member.email}`}>
              Save role
            </button>
            <ConfirmAction label="Remove" name={`Remove ${member.email}`} prompt={`Remove ${member.email} from the organization?`} confirmLabel="Remove member" onConfirm={remove} />
          </div>
        ) : (
          <Badge tone={member.role === 'member' ? 'neutral' : 'info'}>{ORG_ROLE_LABELS[member.role]}</Badge>
        )}
      </div>
    </li>
  );
}

function InviteForm(props: { readonly myRole: OrgRole; readonly onInvited: () => void }): ReactNode {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<OrgRole>('member');
  const action = useAction();
  function submit(): void {
    void action.run(async () => {
      const result = await invite(email, role);
      setEmail('');
      props.onInvited();
      return result;
    }, (result) => `Invitation sent to ${result.invitation.email}.`);
  }
  return (
    <ActionForm action={action} onSubmit={submit} className="form subform" submitLabel="Send invitation" busyLabel="Sending…" ready={email.trim() !== ''}>
      <h3>Invite someone</h3>
      <div className="form-row">
        <Field label="Email address" type="email" name="inviteEmail" field="email" autoComplete="off" value={email} onChange={setEmail} required error={fieldErrors(action.error).email} />
        <SelectField label="Role" value={role} options={roleOptions(props.myRole)} onChange={setRole} />
      </div>
      <p className="hint">We email a link to join. Anyone holding the link can join while it is valid, so send it only to the right address.</p>
    </ActionForm>
  );
}

function InvitationsList(props: { readonly generation: number; readonly onChange: () => void }): ReactNode {
  const invitations = useResource(listInvitations, String(props.generation));
  const action = useAction();
  async function revoke(invitation: Invitation): Promise<void> {
    await action.run(() => revokeInvitation(invitation.id), `The invitation for ${invitation.email} was revoked.`);
    props.onChange();
  }
  return (
    <div className="stack">
      <h3>Pending invitations</h3>
      <ActionMessage action={action} />
      <AsyncView resource={invitations.state} onRetry={invitations.reload} label="Loading invitations…">
        {(data) => (
          <RowList label="Pending invitations" items={data.invitations} empty="No pending invitations.">
            {(invitation) => (
              <li key={invitation.id} className="row">
                <div className="row-main">
                  <span className="row-title">
                    {invitation.email} <Badge>{ORG_ROLE_LABELS[invitation.role]}</Badge>
                  </span>
                  <span className="row-meta">
                    Invited {formatDateTime(invitation.createdAt)}
                    {invitation.invitedBy !== null && <> by {invitation.invitedBy.email}</>} · expires {formatDateTime(invitation.expiresAt)}
                  </span>
                </div>
                <div className="row-side">
                  <ConfirmAction label="Revoke" name={`Revoke invitation for ${invitation.email}`} prompt={`Revoke the invitation for ${invitation.email}? The link will stop working.`} confirmLabel="Revoke invitation" onConfirm={() => revoke(invitation)} />
                </div>
              </li>
            )}
          </RowList>
        )}
      </AsyncView>
    </div>
  );
}

export function OrganizationPage(props: { readonly me: Me }): ReactNode {
  useDocumentTitle('Organization');
  const [generation, setGeneration] = useState(0);
  const org = useResource(fetchOrganization, String(generation));
  const memberAction = useAction();
  const myRole = props.me.user.organization?.role ?? 'member';
  const manage = myRole === 'owner' || myRole === 'admin';
  function changed(): void {
    setGeneration((g) => g + 1);
    // My own role or organization may have changed too.
    void refreshSession();
  }
  return (
    <div className="stack-lg">
      <div className="page-head">
        <h1>{props.me.user.organization?.name ?? 'Organization'}</h1>
        <p className="muted">{manage ? 'Members, their roles, and invitations.' : 'The people in your organization.'}</p>
      </div>
      <Section title="Members">
        <ActionMessage action={memberAction} />
        <AsyncView resource={org.state} onRetry={org.reload} label="Loading members…">
          {(data) => (
            <div className="stack">
              {manage && <RequireMfaSwitch key={String(data.organization.requireMfa)} organization={data.organization} members={data.members} onChange={changed} />}
              {!manage && data.organization.requireMfa && <p className="muted">Your organization requires two-factor authentication for every member.</p>}
              <RowList label="Members" items={data.members} empty="No members yet.">
                {(member) => <MemberRow key={`${member.userId}:${member.role}`} member={member} me={props.me} manage={manage} action={memberAction} onChange={changed} />}
              </RowList>
            </div>
          )}
        </AsyncView>
      </Section>
      {manage && (
        <Section title="Invitations" description="Invite people by email; they join with the link we send them.">
          <div className="stack-lg">
            <InviteForm myRole={myRole} onInvited={() => { setGeneration((g) => g + 1); }} />
            <InvitationsList generation={generation} onChange={() => { setGeneration((g) => g + 1); }} />
          </div>
        </Section>
      )}
    </div>
  );
}
