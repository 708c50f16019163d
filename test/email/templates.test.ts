import { describe, expect, it } from 'vitest';
import {
  describeDuration,
  emailChangedNotice,
  invitationEmail,
  passwordChangedNotice,
  resetPasswordEmail,
  verificationEmail,
} from '../../src/email/templates.js';
import type { EmailMessage } from '../../src/email/transports.js';

const URL_WITH_TOKEN = 'https://auth.example.test/verify-email?token=aaa.bbb.ccc';

/** What a real product's email has, in both parts. */
function expectProductEmail(m: EmailMessage, parts: { happened: RegExp; link?: string; expires?: string; notYou: RegExp }): void {
  for (const body of [m.text, m.html]) {
    expect(body).toContain('Gatehouse');
    expect(body).toMatch(parts.happened);
    expect(body).toMatch(parts.notYou);
    if (parts.link !== undefined) expect(body).toContain(parts.link.replace(/&/g, body === m.html ? '&#38;' : '&'));
    if (parts.expires !== undefined) expect(body).toContain(`expires in ${parts.expires}`);
  }
  expect(m.subject).toContain('Gatehouse');
  expect(m.html).toMatch(/^<!doctype html>\n<html lang="en">/);
  expect(m.html).toContain(`<title>`);
  // The plain-text part is really plain.
  expect(m.text).not.toMatch(/<[a-z]/i);
}

describe('email templates', () => {
  it('verification: what, link, expiry, not-you', () => {
    const m = verificationEmail('ada@example.test', 'Ada', URL_WITH_TOKEN, 24 * 3_600_000);
    expect(m.to).toBe('ada@example.test');
    expectProductEmail(m, { happened: /confirm that ada@example\.test is the email address/i, link: URL_WITH_TOKEN, expires: '24 hours', notYou: /didn(&#39;|')t create a Gatehouse account/ });
    expect(m.html).toContain(`href="${URL_WITH_TOKEN}"`);
  });

  it('reset: what, link, expiry, not-you', () => {
    const url = 'https://auth.example.test/reset-password?token=x.y.z';
    const m = resetPasswordEmail('ada@example.test', url, 15 * 60_000);
    expectProductEmail(m, { happened: /request to reset the password/, link: url, expires: '15 minutes', notYou: /didn(&#39;|')t ask to reset your password/ });
  });

  it('invitation: who, which organization, link, expiry, not-expecting', () => {
    const url = 'https://auth.example.test/join?token=x.y.z';
    const m = invitationEmail('bob@example.test', 'Acme & Co', 'ada@example.test', url, 72 * 3_600_000);
    expect(m.subject).toBe('ada@example.test invited you to Acme & Co on Gatehouse');
    expectProductEmail(m, { happened: /ada@example\.test invited you to join/, link: url, expires: '3 days', notYou: /weren(&#39;|')t expecting this invitation/ });
    expect(m.html).toContain('Acme &#38; Co');
  });

  it('notices: what changed and what to do if it was not you', () => {
    expectProductEmail(emailChangedNotice('old@example.test', 'new@example.test'), { happened: /changed from old@example\.test to new@example\.test/, notYou: /didn(&#39;|')t make this change/ });
    expectProductEmail(passwordChangedNotice('ada@example.test'), { happened: /password of your Gatehouse account/, notYou: /didn(&#39;|')t make this change/ });
  });

  it('escapes user-controlled values in HTML', () => {
    const m = verificationEmail('x@example.test', '<script>alert(1)</script>"', URL_WITH_TOKEN, 60_000);
    expect(m.html).not.toContain('<script>');
    expect(m.html).toContain('&#60;script&#62;');
    const inv = invitationEmail('x@example.test', '<b>Org</b>', '"><img src=x>', URL_WITH_TOKEN, 60_000);
    expect(inv.html).not.toContain('<b>Org</b>');
    expect(inv.html).not.toContain('<img');
  });

  it('describes durations the way people say them', () => {
    expect(describeDuration(24 * 3_600_000)).toBe('24 hours');
    expect(describeDuration(48 * 3_600_000)).toBe('2 days');
    expect(describeDuration(7 * 86_400_000)).toBe('7 days');
    expect(describeDuration(3_600_000)).toBe('1 hour');
    expect(describeDuration(90 * 60_000)).toBe('90 minutes');
    expect(describeDuration(1000)).toBe('1 second');
    expect(describeDuration(1500)).toBe('2 seconds');
  });
});
