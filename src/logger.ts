import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/**
 * Secrets never reach a log line: cookies, CSRF values, authorization, set-cookie and every body
 * field that can hold a password or token are censored; request URLs are logged without query.
 */
export const REDACT_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.cookie',
  'headers.authorization',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
  '*.sessionSecret',
  '*.apiKey',
  'password',
  'token',
  'body',
];

function stripQuery(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const q = url.indexOf('?');
  return q === -1 ? url : `${url.slice(0, q)}?…`;
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req(req: { method?: string; url?: string; ip?: string; id?: string }) {
        return { method: req.method, url: stripQuery(req.url), ip: req.ip, id: req.id };
      },
      res(res: { statusCode?: number }) {
        return { statusCode: res.statusCode };
      },
      // Logged for operators only, never sent to clients. Secrets never reach SQL or library calls
      // unhashed (passwords are hashed first, tokens are verified in memory), so messages carry none.
      err(err: { name?: string; code?: string; message?: string; stack?: string }) {
        return { type: err.name, code: err.code, message: err.message, stack: err.stack };
      },
    },
  };
}

export function createLogger(level: string, stream?: DestinationStream): Logger {
  return stream === undefined ? pino(loggerOptions(level)) : pino(loggerOptions(level), stream);
}

/**
 * Fastify's per-request logging (two redacted lines) replaced by ONE line per request, written when
 * it completes, of fixed fields only: method, path without query, client IP, status, time. None of
 * them can hold a secret, so this line skips redaction, which costs more than the rest of the line;
 * every other log call, errors included, still goes through the redacting logger.
 */
export class AccessLog extends LogController {
  readonly #lines: Logger;

  constructor(logger: Logger) {
    super();
    this.#lines = logger.child({}, { redact: [] });
  }

  override incomingRequest(): void {
    // Deliberately empty: the completion line carries the request.
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) {
      reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
      return;
    }
    const line = { reqId: request.id, method: request.method, url: stripQuery(request.url), ip: request.ip, statusCode: reply.statusCode, responseTime: reply.elapsedTime };
    this.#lines.info(line, 'request completed');
  }
}
