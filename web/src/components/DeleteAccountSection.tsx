import { useState, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { deleteAccount, fetchOrganization } from '../api/endpoints';
import type { Me, Member } from '../api/types';
import { setFlash } from '../lib/flash';
import { useAction, useResource } from '../lib/hooks';
import { navigate } from '../lib/router';
import { markSignedOut } from '../lib/session';
import { Link } from './Link';
import { ReauthForm } from './ReauthForm';
import { Loading, Section } from './ui';

/** Why the account cannot be deleted right now, if it cannot: the last owner of an organization with others. */
interface Blocked {
  readonly organization: string;
  /** How many other members; null when only the server's refusal is known. */
  readonly others: number | null;
}

function blockedBy(organization: string, members: readonly Member[]): Blocked | null {
  const owners = members.filter((m) => m.role === 'owner').length;
  const others = members.length - 1;
  return owners <= 1 && others > 0 ? { organization, others } : null;
}

/** The server's rule (409 conflict on DELETE /api/profile), known up front from GET /api/org. */
async function deletionBlocker(me: Me): Promise<Blocked | null> {
  if (me.user.organization?.role !== 'owner') return null;
  const { organization, members } = await fetchOrganization();
  return blockedBy(organization.name, members);
}

function BlockedExplanation(props: { readonly blocked: Blocked }): ReactNode {
  const { organization, others } = props.blocked;
  return (
    <div className="stack">
      <p>
        You are the only owner of <strong>{organization}</strong>, which has {others === null ? 'other members' : others === 1 ? 'one other member' : `${String(others)} other members`}. An organization
        needs an owner, so your account cannot be deleted yet.
      </p>
      <p className="muted">Make another member an owner on the organization page (or remove the other members), then come back here.</p>
      <div>
        <Link to="/organization" className="button secondary">
          Go to organization members
        </Link>
      </div>
    </div>
  );
}

export function DeleteAccountSection(props: { readonly me: Me; readonly hasPasskey: boolean }): ReactNode {
  const { me } = props;
  const org = me.user.organization;
  const [open, setOpen] = useState(false);
  const [refusedByServer, setRefusedByServer] = useState(false);
  const action = useAction();
  const standing = useResource(() => deletionBlocker(me), `${org?.id ?? ''}:${org?.role ?? ''}`);

  let body: ReactNode;
  if (standing.state.status === 'loading') {
    body = <Loading label="Checking your organization…" />;
  } else if (standing.state.status === 'ready' && standing.state.data !== null) {
    body = <BlockedExplanation blocked={standing.state.data} />;
  } else if (refusedByServer) {
    // The organization changed since the page loaded (or could not be read): the server's answer stands.
    body = <BlockedExplanation blocked={{ organization: org?.name ?? 'your organization', others: null }} />;
  } else if (open) {
    body = (
      <ReauthForm
        action={action}
        passkeyAllowed={props.hasPasskey}
        passwordName="deletePassword"
        passwordHint={props.hasPasskey ? 'Enter your password, or use a passkey, to confirm.' : 'Enter your password to confirm.'}
        submitLabel="Delete my account"
        busyLabel="Deleting…"
        tone="danger"
        onCancel={() => { setOpen(false); }}
        onProof={async (proof) => {
          try {
            await deleteAccount(proof);
          } catch (e) {
            if (e instanceof ApiError && e.code === 'conflict') {
              setRefusedByServer(true);
              standing.reload();
            }
            throw e;
          }
          markSignedOut();
          setFlash({ kind: 'success', text: 'Your account was deleted.' });
          navigate('/sign-in', { replace: true });
        }}
      />
    );
  } else {
    body = (
      <div>
        <button type="button" className="button danger-outline" onClick={() => { setOpen(true); }}>
          Delete account…
        </button>
      </div>
    );
  }
  return (
    <Section title="Delete account" description="Deleting your account signs you out everywhere and cannot be undone.">
      {body}
    </Section>
  );
}
