import type { ErrorOut } from 'oidc-provider';

/** The few pages the provider renders itself: static HTML, escaped, no script, no inline style. */

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · Gatehouse</title></head>
<body><main>${body}</main></body>
</html>
`;
}

export function logoutPage(form: string, clientName: string | undefined): string {
  const from = clientName === undefined ? '' : `<p>${escapeHtml(clientName)} asks to sign you out.</p>`;
  // `form` is oidc-provider's own (action URL and an anti-forgery value it generated).
  return page(
    'Sign out',
    `<h1>Sign out of Gatehouse?</h1>${from}${form}
<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, only this app</button>`,
  );
}

export function loggedOutPage(home: string): string {
  return page('Signed out', `<h1>You are signed out</h1><p><a href="${escapeHtml(home)}/sign-in">Sign in again</a></p>`);
}

export function errorPage(out: ErrorOut, home: string): string {
  const description = out.error_description === undefined ? '' : `<p>${escapeHtml(out.error_description)}</p>`;
  return page('Sign-in error', `<h1>This sign-in request cannot continue</h1><p><code>${escapeHtml(out.error)}</code></p>${description}<p><a href="${escapeHtml(home)}/">Back to Gatehouse</a></p>`);
}
