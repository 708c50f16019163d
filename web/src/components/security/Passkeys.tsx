import { useState, type ReactNode } from 'react';
import { addPasskey, passkeyCreationOptions, removePasskey, renamePasskey } from '../../api/endpoints';
import type { Passkey } from '../../api/types';
import { fieldErrors, wrongPasswordAt } from '../../lib/errors';
import { formatDate } from '../../lib/format';
import { RelativeTime } from '../RelativeTime';
import { useAction } from '../../lib/hooks';
import { createCredential, passkeysSupported } from '../../lib/webauthn';
import { ReauthForm } from '../ReauthForm';
import { RowList } from '../RowList';
import { ActionMessage, Alert, Field, Form, Section, SubmitButton } from '../ui';

const NAME_MAX = 64;

function AddPasskeyForm(props: { readonly onAdded: (passkey: Passkey) => void; readonly onCancel: () => void }): ReactNode {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();
  function submit(): void {
    void action.run(async () => {
      const options = await passkeyCreationOptions(password).catch((error: unknown) => {
        throw wrongPasswordAt(error, 'password');
      });
      const response = await createCredential(options);
      const { passkey } = await addPasskey(response, name.trim());
      props.onAdded(passkey);
    });
  }
  return (
    <Form onSubmit={submit} className="form subform" action={action}>
      <h3>Add a passkey</h3>
      <p className="muted">Your browser or phone will ask you to confirm with your fingerprint, face, screen lock or security key.</p>
      <Field label="Name" name="passkeyName" field="name" autoComplete="off" value={name} onChange={setName} markOptional maxLength={NAME_MAX} hint="So you can tell your passkeys apart, e.g. “Work laptop” or “Phone”." autoFocus />
      <Field label="Password" type="password" name="passkeyPassword" field="password" autoComplete="current-password" value={password} onChange={setPassword} required error={fieldErrors(action.error).password} />
      <ActionMessage action={action} />
      <div className="actions">
        <SubmitButton busy={action.busy} busyLabel="Waiting for your passkey…">
          Create passkey
        </SubmitButton>
        <button type="button" className="button secondary" disabled={action.busy} onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </Form>
  );
}

function RenameForm(props: { readonly passkey: Passkey; readonly onDone: (notice: string | null) => void }): ReactNode {
  const [name, setName] = useState(props.passkey.name);
  const action = useAction();
  function submit(): void {
    void action.run(async () => {
      const { passkey } = await renamePasskey(props.passkey.id, name.trim());
      props.onDone(`The passkey is now called “${passkey.name}”.`);
    });
  }
  return (
    <Form onSubmit={submit} className="form inline-rename" action={action}>
      <Field label={`New name for ${props.passkey.name}`} name="renamePasskey" field="name" autoComplete="off" value={name} onChange={setName} required maxLength={NAME_MAX} autoFocus error={fieldErrors(action.error).name} />
      <ActionMessage action={action} />
      <div className="actions">
        <SubmitButton busy={action.busy} busyLabel="Saving…">
          Save name
        </SubmitButton>
        <button type="button" className="button secondary" onClick={() => { props.onDone(null); }}>
          Cancel
        </button>
      </div>
    </Form>
  );
}

function RemoveForm(props: { readonly passkey: Passkey; readonly onDone: (notice: string | null) => void }): ReactNode {
  const { passkey } = props;
  const action = useAction();
  return (
    <ReauthForm
      action={action}
      className="form inline-rename"
      passkeyAllowed
      passwordName="removePasskeyPassword"
      passwordHint={`Confirm with your password to remove “${passkey.name}”.`}
      submitLabel="Remove passkey"
      busyLabel="Removing…"
      tone="danger"
      autoFocus
      onCancel={() => { props.onDone(null); }}
      onProof={async (proof) => {
        await removePasskey(passkey.id, proof);
        props.onDone(`The passkey “${passkey.name}” was removed.`);
      }}
    />
  );
}

function PasskeyRow(props: { readonly passkey: Passkey; readonly readOnly: boolean; readonly onChanged: (notice: string | null) => void }): ReactNode {
  const { passkey } = props;
  const [mode, setMode] = useState<'idle' | 'rename' | 'remove'>('idle');
  function done(notice: string | null): void {
    setMode('idle');
    if (notice !== null) props.onChanged(notice);
  }
  return (
    <li className="row">
      <div className="row-main">
        <span className="row-title">{passkey.name}</span>
        <span className="row-meta">
          Added {formatDate(passkey.createdAt)} · {passkey.lastUsedAt === null ? 'never used' : <>last used <RelativeTime iso={passkey.lastUsedAt} /></>}
        </span>
      </div>
      {!props.readOnly && mode === 'idle' && (
        <div className="row-side actions">
          <button type="button" className="button small secondary" aria-label={`Rename ${passkey.name}`} onClick={() => { setMode('rename'); }}>
            Rename
          </button>
          <button type="button" className="button small danger-outline" aria-label={`Remove ${passkey.name}`} onClick={() => { setMode('remove'); }}>
            Remove
          </button>
        </div>
      )}
      {mode === 'rename' && <RenameForm passkey={passkey} onDone={done} />}
      {mode === 'remove' && <RemoveForm passkey={passkey} onDone={done} />}
    </li>
  );
}

/** The user's passkeys: add (name + password, then the browser's prompt), rename, remove. */
export function PasskeysSection(props: { readonly passkeys: readonly Passkey[]; readonly readOnly: boolean; readonly onChanged: () => void }): ReactNode {
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const supported = passkeysSupported();
  return (
    <Section
      title="Passkeys"
      description="Sign in with your fingerprint, face or screen lock instead of a password. A passkey is also a second factor after your password."
      actions={
        !props.readOnly && supported && !adding && (
          <button type="button" className="button small primary" onClick={() => { setNotice(null); setAdding(true); }}>
            Add a passkey
          </button>
        )
      }
    >
      {!supported && <Alert kind="info">This browser cannot create or use passkeys.</Alert>}
      {notice !== null && <Alert kind="success">{notice}</Alert>}
      <RowList label="Passkeys" items={props.passkeys} empty="No passkeys yet.">
        {(passkey) => <PasskeyRow
            key={passkey.id}
            passkey={passkey}
            readOnly={props.readOnly}
            onChanged={(text) => {
              setNotice(text);
              props.onChanged();
            }}
          />}
      </RowList>
      {adding && (
        <AddPasskeyForm
          onCancel={() => { setAdding(false); }}
          onAdded={(passkey) => {
            setAdding(false);
            setNotice(`The passkey “${passkey.name}” was added. You can now sign in with it.`);
            props.onChanged();
          }}
        />
      )}
    </Section>
  );
}
