import { useId, useState, type ReactNode } from 'react';
import { setOrganizationRequireMfa } from '../api/endpoints';
import type { Member, Organization } from '../api/types';
import { useAction } from '../lib/hooks';
import { ActionMessage } from './ui';

/** Owners and admins: the organization's "every member needs a second factor" policy. */
export function RequireMfaSwitch(props: { readonly organization: Organization; readonly members: readonly Member[]; readonly onChange: () => void }): ReactNode {
  const [checked, setChecked] = useState(props.organization.requireMfa);
  const action = useAction();
  const id = useId();
  const without = props.members.filter((m) => !m.mfa).length;
  function toggle(next: boolean): void {
    setChecked(next);
    void (async () => {
      const done = await action.run(
        () => setOrganizationRequireMfa(next),
        next ? 'Two-factor authentication is now required for every member.' : 'Two-factor authentication is no longer required.',
      );
      if (done === undefined) setChecked(!next);
      else props.onChange();
    })();
  }
  return (
    <div className="policy">
      <div className="switch-row">
        <input id={id} type="checkbox" role="switch" className="switch" checked={checked} disabled={action.busy} onChange={(e) => { toggle(e.target.checked); }} aria-describedby={`${id}-hint`} />
        <label htmlFor={id}>Require two-factor authentication</label>
      </div>
      <p id={`${id}-hint`} className="hint">
        Members without an authenticator app or passkey must set one up before they can use anything else.
        {without > 0 ? ` ${without} ${without === 1 ? 'member has' : 'members have'} none yet.` : ' Every member has one.'}
      </p>
      <ActionMessage action={action} />
    </div>
  );
}
