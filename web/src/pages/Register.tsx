import { useState, type ReactNode } from 'react';
import { register } from '../api/endpoints';
import { Link } from '../components/Link';
import { ActionForm } from '../components/ActionForm';
import { Field } from '../components/ui';
import { ProviderButtons } from '../components/ProviderButtons';
import { errorAtField, fieldErrors } from '../lib/errors';
import { setFlash } from '../lib/flash';
import { useAction, useDocumentTitle } from '../lib/hooks';
import { safeReturnPath, withNext } from '../lib/return-path';
import { navigate, useLocation } from '../lib/router';
import { refreshSession } from '../lib/session';

export function RegisterPage(): ReactNode {
  useDocumentTitle('Create an account');
  const { params } = useLocation();
  const next = safeReturnPath(params.get('next'));
  const joining = next.startsWith('/join');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [organizationName, setOrganizationName] = useState('');
  const action = useAction();
  const errors = fieldErrors(action.error);

  function submit(): void {
    void action.run(async () => {
      const org = organizationName.trim();
      await register({ name, email, password, ...(org === '' ? {} : { organizationName: org }) }).catch((error: unknown) => {
        throw errorAtField(error, 'email_taken', 'email');
      });
      setFlash({ kind: 'success', text: `Welcome! We sent a link to ${email.trim()} to confirm your address.` });
      await refreshSession();
      navigate(next, { replace: true });
    });
  }

  return (
    <div className="auth-card card">
      <h1>Create an account</h1>
      {joining && <p className="muted">Create an account to accept your invitation.</p>}
      <ActionForm action={action} onSubmit={submit} submitLabel="Create account" busyLabel="Creating your account…">
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
