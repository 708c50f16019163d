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
