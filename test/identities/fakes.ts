import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, sign, type KeyObject } from 'node:crypto';
import { newKeyPair } from '../../src/crypto/key-pair.js';
import { freePort } from '../helpers/services.js';

export interface FakeServer {
  readonly base: string;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>): Promise<{ server: Server; base: string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${String(port)}`;
  const server = createServer((req, res) => {
    handler(req, res, new URL(req.url ?? '/', base)).catch(() => {
      json(res, 500, { error: 'server_error' });
    });
  });
  await new Promise<void>((resolve) => {
    server.listen(port, '127.0.0.1', resolve);
  });
  return { server, base };
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => {
        resolve();
      });
    });
}

/** How the crafted IdP spoils its ID token. */
export type Tamper = 'none' | 'aud' | 'iss' | 'nonce' | 'signature';

export interface CraftedIdp extends FakeServer {
  tamper: Tamper;
}

function rs256(claims: Record<string, unknown>, key: KeyObject, kid: string): string {
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc({ alg: 'RS256', typ: 'JWT', kid })}.${enc(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

/**
 * A hand-made OpenID Provider whose ID tokens can be wrong on purpose (audience, issuer, nonce, or a
 * signature by a key that is not in its JWKS): Gatehouse must refuse every one of them.
 */
export async function startCraftedIdp(clientId: string): Promise<CraftedIdp> {
  const good = newKeyPair({ type: 'rsa', modulusLength: 2048 });
  const evil = newKeyPair({ type: 'rsa', modulusLength: 2048 });
  const nonces = new Map<string, string>();
  const holder = { tamper: 'none' as Tamper };
  const { server, base } = await serve(async (req, res, url) => {
    if (url.pathname === '/.well-known/openid-configuration') {
      json(res, 200, {
        issuer: base,
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/token`,
        jwks_uri: `${base}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    } else if (url.pathname === '/jwks') {
      json(res, 200, { keys: [{ ...good.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' }] });
    } else if (url.pathname === '/authorize') {
      const code = randomBytes(12).toString('hex');
      nonces.set(code, url.searchParams.get('nonce') ?? '');
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.href });
      res.end();
    } else if (url.pathname === '/token' && req.method === 'POST') {
      const body = await readBody(req);
      const nonce = nonces.get(body.get('code') ?? '') ?? '';
      const now = Math.floor(Date.now() / 1000);
      const t = holder.tamper;
      const claims = {
        iss: t === 'iss' ? 'http://127.0.0.1:1/someone-else' : base,
        sub: 'crafted-subject',
        aud: t === 'aud' ? 'another-client' : clientId,
        iat: now,
        exp: now + 300,
        nonce: t === 'nonce' ? 'not-the-nonce' : nonce,
        email: 'crafted@example.test',
        email_verified: true,
      };
      const idToken = rs256(claims, t === 'signature' ? evil.privateKey : good.privateKey, 'k1');
      json(res, 200, { access_token: 'crafted-access-token', token_type: 'Bearer', expires_in: 300, id_token: idToken });
    } else {
      json(res, 404, { error: 'not_found' });
    }
  });
  return {
    base,
    get tamper() {
      return holder.tamper;
    },
    set tamper(v: Tamper) {
      holder.tamper = v;
    },
    close: closer(server),
  };
}

export interface GithubEmailEntry {
  email: string;
  primary: boolean;
  verified: boolean;
}

export interface GithubStandIn extends FakeServer {
  user: { id: number; login: string; name: string | null };
  emails: GithubEmailEntry[];
}

/** A local stand-in for GitHub's three OAuth endpoints and its /user and /user/emails API. */
export async function startGithubStandIn(): Promise<GithubStandIn> {
  const holder = { user: { id: 1, login: 'octocat', name: null as string | null }, emails: [] as GithubEmailEntry[] };
  const codes = new Set<string>();
  const { server, base } = await serve(async (req, res, url) => {
    const authorized = req.headers.authorization === 'Bearer gho_test_token';
    if (url.pathname === '/login/oauth/authorize') {
      const code = randomBytes(12).toString('hex');
      codes.add(code);
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.href });
      res.end();
    } else if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      const body = await readBody(req);
      const code = body.get('code') ?? '';
      // Like GitHub: errors come back as 200 with an `error` field.
      if (!codes.delete(code) || body.get('code_verifier') === null) json(res, 200, { error: 'bad_verification_code' });
      else json(res, 200, { access_token: 'gho_test_token', token_type: 'bearer', scope: 'read:user,user:email' });
    } else if (url.pathname === '/user' && authorized) {
      json(res, 200, holder.user);
    } else if (url.pathname === '/user/emails' && authorized) {
      json(res, 200, holder.emails);
    } else {
      json(res, 401, { message: 'Requires authentication' });
    }
  });
  return {
    base,
    get user() {
      return holder.user;
    },
    set user(u) {
      holder.user = u;
    },
    get emails() {
      return holder.emails;
    },
    set emails(e) {
      holder.emails = e;
    },
    close: closer(server),
  };
}
