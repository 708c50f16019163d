import { useState, type ReactNode } from 'react';
import { forgotPassword } from '../api/endpoints';
import { Link } from '../components/Link';
import { ActionForm } from '../components/ActionForm';
import { Field } from '../components/ui';
import { fieldErrors } from '../lib/errors';
import { useAction, useDocumentTitle } from '../lib/hooks';

export function ForgotPasswordPage(): ReactNode {
  useDocumentTitle('Reset your password');
  const [email, setEmail] = useState('');
  const action = useAction();

  function submit(): void {
    void action.run(
      () => forgotPassword(email),
      () => `If an account exists for ${email.trim()}, we sent it a link to choose a new password. The link works for a short time only.`,
    );
  }

  return (
    <div className="auth-card card">
      <h1>Reset your password</h1>
      <p className="muted">Enter the email address of your account and we will send you a link to choose a new password.</p>
      <ActionForm action={action} onSubmit={submit} submitLabel="Send reset link" busyLabel="Sending…">
        <Field label="Email" type="email" name="email" autoComplete="email" value={email} onChange={setEmail} required error={fieldErrors(action.error).email} />
      </ActionForm>
      <div className="auth-links">
        <Link to="/sign-in">Back to sign in</Link>
      </div>
    </div>
  );
}
