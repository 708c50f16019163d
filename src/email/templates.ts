import type { EmailMessage } from './transports.js';

const PRODUCT = 'Gatehouse';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);
}

export function describeDuration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  for (const [size, name] of units) {
    // "24 hours" reads better than "1 day"; whole days from two on.
    if (ms >= size && ms % size === 0 && (name !== 'day' || ms >= 2 * size)) {
      const n = ms / size;
      return `${String(n)} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${String(Math.ceil(ms / 1000))} seconds`;
}

interface Layout {
  readonly to: string;
  readonly subject: string;
  readonly heading: string;
  readonly paragraphs: readonly string[];
  readonly action?: { readonly label: string; readonly url: string; readonly expiresIn: string };
  readonly footer: string;
  /** Preview line shown by mail clients next to the subject. */
  readonly preview: string;
}

function render(l: Layout): EmailMessage {
  const textParts = [l.heading, '', ...l.paragraphs.flatMap((p) => [p, ''])];
  if (l.action !== undefined) {
    textParts.push(`${l.action.label}: ${l.action.url}`, '', `This link expires in ${l.action.expiresIn}.`, '');
  }
  textParts.push(l.footer, '', `— The ${PRODUCT} team`);
  const button =
    l.action === undefined
      ? ''
      : `<p style="margin:24px 0"><a href="${escapeHtml(l.action.url)}" style="background:#1f4e79;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none;font-weight:600">${escapeHtml(l.action.label)}</a></p>
<p style="color:#555;font-size:13px">Or paste this link into your browser:<br><span style="word-break:break-all">${escapeHtml(l.action.url)}</span></p>
<p style="color:#555;font-size:13px">This link expires in ${escapeHtml(l.action.expiresIn)}.</p>`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(l.subject)}</title></head>
<body style="margin:0;background:#f4f6f8;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1b1f24">
<div style="display:none;max-height:0;overflow:hidden">${escapeHtml(l.preview)}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:32px 12px">
<table role="presentation" width="100%" style="max-width:560px;background:#ffffff;border-radius:10px;padding:32px" cellpadding="0" cellspacing="0"><tr><td>
<p style="font-weight:700;font-size:18px;color:#1f4e79;margin:0 0 24px">${PRODUCT}</p>
<h1 style="font-size:22px;margin:0 0 16px">${escapeHtml(l.heading)}</h1>
${l.paragraphs.map((p) => `<p style="line-height:1.5">${escapeHtml(p)}</p>`).join('\n')}
${button}
<p style="color:#555;font-size:13px;border-top:1px solid #e3e7eb;padding-top:16px;margin-top:24px">${escapeHtml(l.footer)}</p>
<p style="color:#555;font-size:13px;margin:8px 0 0">— The ${PRODUCT} team</p>
</td></tr></table></td></tr></table></body></html>`;
  return { to: l.to, subject: l.subject, text: textParts.join('\n'), html };
}

export function verificationEmail(to: string, name: string, url: string, ttlMs: number): EmailMessage {
  return render({
    to,
    subject: `Confirm your email address for ${PRODUCT}`,
    heading: 'Confirm your email address',
    paragraphs: [
      `Hi ${name},`,
      `Please confirm that ${to} is the email address of your ${PRODUCT} account. A confirmed address lets you reset your password if you ever forget it.`,
    ],
    action: { label: 'Confirm email address', url, expiresIn: describeDuration(ttlMs) },
    footer: `If you didn't create a ${PRODUCT} account or add this address to one, you can safely ignore this email; nothing will change.`,
    preview: `Confirm ${to} for your ${PRODUCT} account.`,
  });
}

export function resetPasswordEmail(to: string, url: string, ttlMs: number): EmailMessage {
  return render({
    to,
    subject: `Reset your ${PRODUCT} password`,
    heading: 'Reset your password',
    paragraphs: [
      `We received a request to reset the password of the ${PRODUCT} account for ${to}.`,
      'Use the link below to choose a new password. It works only once, and afterwards you will need to sign in again on all your devices.',
    ],
    action: { label: 'Choose a new password', url, expiresIn: describeDuration(ttlMs) },
    footer: "If you didn't ask to reset your password, you can safely ignore this email; your password stays unchanged.",
    preview: `Reset the password of your ${PRODUCT} account.`,
  });
}

export function invitationEmail(to: string, orgName: string, inviter: string, url: string, ttlMs: number): EmailMessage {
  return render({
    to,
    subject: `${inviter} invited you to ${orgName} on ${PRODUCT}`,
    heading: `Join ${orgName}`,
    paragraphs: [
      `${inviter} invited you to join the organization “${orgName}” on ${PRODUCT}.`,
      'Sign in, or create an account, then open the link below to accept. Accepting moves your account into this organization.',
    ],
    action: { label: 'Accept the invitation', url, expiresIn: describeDuration(ttlMs) },
    footer: "If you weren't expecting this invitation, you can safely ignore this email; nothing will change.",
    preview: `${inviter} invited you to join ${orgName} on ${PRODUCT}.`,
  });
}

export function emailChangedNotice(to: string, newEmail: string): EmailMessage {
  return render({
    to,
    subject: `Your ${PRODUCT} email address was changed`,
    heading: 'Your email address was changed',
    paragraphs: [`The email address of your ${PRODUCT} account was changed from ${to} to ${newEmail}. Emails about your account now go to the new address.`],
    footer: "If you didn't make this change, reset your password now and contact your administrator.",
    preview: `The email address of your ${PRODUCT} account was changed.`,
  });
}

export function passwordChangedNotice(to: string): EmailMessage {
  return render({
    to,
    subject: `Your ${PRODUCT} password was changed`,
    heading: 'Your password was changed',
    paragraphs: [`The password of your ${PRODUCT} account (${to}) was just changed, and your other sessions were signed out.`],
    footer: "If you didn't make this change, reset your password now and contact your administrator.",
    preview: `The password of your ${PRODUCT} account was changed.`,
  });
}

/** A short "this just happened to your account" notice (second factors, passkeys, recovery codes). */
export function securityNotice(to: string, what: { readonly subject: string; readonly heading: string; readonly body: string }): EmailMessage {
  return render({
    to,
    subject: `${what.subject} (${PRODUCT})`,
    heading: what.heading,
    paragraphs: [what.body],
    footer: "If this wasn't you, reset your password now, review your devices and two-factor settings, and contact your administrator.",
    preview: what.heading,
  });
}
