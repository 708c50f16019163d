import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { AppError, errorBody, type FieldErrors } from '../errors.js';
import type { Services } from '../services.js';
import type { TypedApp } from './typed.js';
import { isMutating } from '../session/authenticate.js';

export const BODY_LIMIT = 16 * 1024;

/** JSON is the only body type; prototype-poisoning keys are refused outright, not stripped. */
export function installBodyParsing(app: TypedApp): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch {
      done(new AppError('invalid_request', 'The body is not valid JSON.'), undefined);
    }
  });
}

const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
};
const HSTS_MAX_AGE_SEC = 31_536_000;

/**
 * The headers @fastify/helmet sent with our configuration, computed once: they do not depend on the
 * request, so setting one frozen object costs less than helmet's twelve middlewares per request.
 */
export function securityHeaders(https: boolean): Readonly<Record<string, string>> {
  return Object.freeze({
    'content-security-policy': Object.entries(CSP_DIRECTIVES)
      .map(([k, v]) => `${k} ${v.join(' ')}`)
      .join(';'),
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'origin-agent-cluster': '?1',
    // Email links carry tokens in their query: never leak a URL to another site.
    'referrer-policy': 'no-referrer',
    ...(https ? { 'strict-transport-security': `max-age=${String(HSTS_MAX_AGE_SEC)}; includeSubDomains` } : {}),
    'x-content-type-options': 'nosniff',
    'x-dns-prefetch-control': 'off',
    'x-download-options': 'noopen',
    'x-frame-options': 'DENY',
    'x-permitted-cross-domain-policies': 'none',
    'x-xss-protection': '0',
  });
}


/**
 * For Fastify's `frameworkErrors` option: bad URLs and over-long path parameters are answered by
 * the router before any hook runs, and Fastify's own answer echoes the path and its error code.
 * This one sends the catalog body with the contract's headers instead.
 */
export function frameworkErrorHandler(https: boolean): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  const csp = Object.entries(CSP_DIRECTIVES)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join('; ');
  return function handleFrameworkError(error, _request, reply): void {
    void reply.headers({
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'content-security-policy': csp,
      'x-frame-options': 'DENY',
      'cache-control': 'no-store',
      ...(https ? { 'strict-transport-security': `max-age=${String(HSTS_MAX_AGE_SEC)}; includeSubDomains` } : {}),
    });
    const notFound = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
    void reply.code(notFound ? 404 : 400).send(notFound ? errorBody('not_found') : errorBody('invalid_request'));
  };
}

/**
 * One callback hook (no promise, no microtask) before anything else: the security headers on every
 * response, plus `Cache-Control: no-store` under /api/, from two objects computed once; and for a
 * write under /api/, the Origin and content-type checks. (Two hooks cost a second dispatch per request.)
 */
export function installRequestChecks(app: TypedApp, s: Services): void {
  // Mounted under a prefix inside a host app, the API lives at `${prefix}/api/`.
  const api = `${app.prefix}/api/`;
  const pageHeaders = securityHeaders(s.config.https);
  const apiHeaders = Object.freeze({ ...pageHeaders, 'cache-control': 'no-store' });
  app.addHook('onRequest', (request, reply, done) => {
    if (!request.url.startsWith(api)) {
      void reply.headers(pageHeaders);
      done();
      return;
    }
    void reply.headers(apiHeaders);
    done(isMutating(request.method) ? writeRefusal(request, s.config.publicOrigin) : undefined);
  });
}

/** The checks every write under /api/ passes before anything else runs, or the error refusing it. */
function writeRefusal(request: FastifyRequest, publicOrigin: string): AppError | undefined {
  // Cross-site writes: a browser always sends Origin on them; it must be our own.
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== publicOrigin) return new AppError('csrf_failed');
  const length = request.headers['content-length'];
  const hasBody = (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
  const type = request.headers['content-type'];
  if (hasBody && (type === undefined || !/^application\/json\s*(;|$)/i.test(type))) return new AppError('unsupported_media_type');
  return undefined;
}

/** Our own words for each schema keyword: the validator's text is a library message and never echoed. */
function validationMessage(keyword: string, params: Record<string, unknown>): string {
  const limit = typeof params.limit === 'number' ? String(params.limit) : undefined;
  switch (keyword) {
    case 'additionalProperties':
      return 'Unknown field.';
    case 'required':
      return 'This field is required.';
    case 'type':
      return typeof params.type === 'string' ? `Expected a ${params.type}.` : 'Wrong type.';
    case 'minLength':
      return limit === undefined ? 'Too short.' : `Use at least ${limit} characters.`;
    case 'maxLength':
      return limit === undefined ? 'Too long.' : `Use at most ${limit} characters.`;
    default:
      return 'Invalid value.';
  }
}

function validationFields(error: FastifyError): FieldErrors {
  const fields: FieldErrors = {};
  for (const v of error.validation ?? []) {
    const params: Record<string, unknown> = v.params;
    const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
    const named = typeof params.additionalProperty === 'string' ? params.additionalProperty : typeof params.missingProperty === 'string' ? params.missingProperty : undefined;
    const key = named ?? (path === '' ? '_' : path);
    fields[key] ??= validationMessage(v.keyword, params);
  }
  return fields;
}

const UNAVAILABLE_CODES = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|57P0[1-3]|08\d\d\d|SQLITE_BUSY)$/;

function isDatabaseUnavailable(error: FastifyError): boolean {
  const code = typeof error.code === 'string' ? error.code : '';
  return UNAVAILABLE_CODES.test(code) || /Connection terminated|timeout exceeded when trying to connect/.test(error.message);
}

/** The one place where errors become HTTP: stable codes, no internal text ever echoed. */
export function installErrorHandling(app: TypedApp): void {
  app.setErrorHandler((error: FastifyError | AppError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof AppError) {
      if (error.retryAfter !== undefined) void reply.header('retry-after', String(error.retryAfter));
      return reply.code(error.status).send(errorBody(error.code, error.message, error.fields, error.reason));
    }
    if (error.validation !== undefined) {
      return reply.code(400).send(errorBody('invalid_request', 'Some fields are invalid.', validationFields(error)));
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.code(413).send(errorBody('payload_too_large'));
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return reply.code(error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 415 : 400).send(
          errorBody(error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type' : 'invalid_request'),
        );
      default:
        break;
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      if (status === 413) return reply.code(413).send(errorBody('payload_too_large'));
      if (status === 415) return reply.code(415).send(errorBody('unsupported_media_type'));
      if (status === 404) return reply.code(404).send(errorBody('not_found'));
      return reply.code(400).send(errorBody('invalid_request'));
    }
    if (isDatabaseUnavailable(error)) {
      // Temporary: tell clients and the proxy to retry, and keep the log quiet and secret-free.
      request.log.warn({ code: error.code }, 'database unavailable');
      return reply.code(503).send(errorBody('unavailable'));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send(errorBody('internal_error'));
  });

  app.setNotFoundHandler((_request, reply) => reply.code(404).send(errorBody('not_found')));
}
