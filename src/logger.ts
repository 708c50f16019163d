import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import { pino, type Bindings, type ChildLoggerOptions, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { pad3 } from './http/iso-time.js';

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

/** What pino itself would put before and after an `info` line's own fields (level, time, pid, hostname). */
interface LineFrame {
  readonly level: string;
  readonly time: () => string;
  readonly bindings: string;
  readonly stream: DestinationStream;
}

/**
 * pino's own pieces for a plain stream (what its `info` writes around the fields), or undefined when
 * pino is set up in a way a hand-written line would not match (transports, multistream, custom keys).
 */
function lineFrame(logger: Logger): LineFrame | undefined {
  const internals = logger as unknown as Record<symbol, unknown>;
  const levels = internals[pino.symbols.lsCacheSym] as Record<number, string> | undefined;
  const time = internals[pino.symbols.timeSym];
  const bindings = internals[pino.symbols.chindingsSym];
  const stream = internals[pino.symbols.streamSym] as (DestinationStream & Record<symbol, unknown>) | undefined;
  const level = levels?.[logger.levels.values.info ?? 30];
  if (level === undefined || typeof time !== 'function' || typeof bindings !== 'string' || stream === undefined) return undefined;
  if (stream[pino.symbols.needsMetadataGsym] === true || internals[pino.symbols.messageKeySym] !== 'msg') return undefined;
  if (internals[pino.symbols.mixinSym] !== undefined || Object.keys(internals[pino.symbols.formattersSym] ?? {}).some((k) => k !== 'bindings' && k !== 'level' && k !== 'log')) return undefined;
  return { level, time: time as () => string, bindings, stream };
}

/**
 * A response time in milliseconds to the microsecond, written from integers: turning the double
 * itself into its shortest decimal form costs several times more, on every request.
 */
function millisText(ms: number): string {
  const us = Math.round(ms * 1000);
  if (!Number.isSafeInteger(us) || us < 0) return String(ms);
  const fraction = us % 1000;
  const whole = String((us - fraction) / 1000);
  return fraction === 0 ? whole : `${whole}.${pad3(fraction)}`;
}

/** JSON of a string field, or nothing when it is absent (as pino leaves undefined fields out). */
function stringField(key: string, value: string | undefined): string {
  return value === undefined ? '' : `,"${key}":${JSON.stringify(value)}`;
}

/**
 * Fastify's per-request logging (two redacted lines) replaced by ONE line per request, written when
 * it completes, of fixed fields only: method, path without query, client IP, status, time. None of
 * them can hold a secret, so this line skips redaction, which costs more than the rest of the line;
 * every other log call, errors included, still goes through the redacting logger. The line is the
 * one pino would write (same keys, same order), assembled by hand: pino's generic path (level
 * check, bindings, serializers, one object per line) cost more than the rest of the request's logging.
 */
export class AccessLog extends LogController {
  readonly #logger: Logger;
  readonly #lines: Logger;
  readonly #frame: LineFrame | undefined;

  constructor(logger: Logger) {
    super();
    this.#logger = logger;
    this.#lines = logger.child({}, { redact: [] });
    this.#frame = lineFrame(logger);
  }

  override incomingRequest(): void {
    // Deliberately empty: the completion line carries the request.
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) {
      reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
      return;
    }
    const frame = this.#frame;
    if (frame === undefined) {
      const line = { reqId: request.id, method: request.method, url: stripQuery(request.url), ip: request.ip, statusCode: reply.statusCode, responseTime: reply.elapsedTime };
      this.#lines.info(line, 'request completed');
      return;
    }
    if (!this.#logger.isLevelEnabled('info')) return;
    const fields = `${stringField('reqId', request.id)}${stringField('method', request.method)}${stringField('url', stripQuery(request.url))}${stringField('ip', request.ip)}`;
    frame.stream.write(`${frame.level}${frame.time()}${frame.bindings}${fields},"statusCode":${String(reply.statusCode)},"responseTime":${millisText(reply.elapsedTime)},"msg":"request completed"}\n`);
  }
}

/**
 * Fastify's `childLoggerFactory`: the per-request logger (carrying the request id) is made only if
 * the request logs something. Most requests log nothing but their access line, which does not use it.
 */
export function lazyRequestLogger(this: unknown, logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new RequestLogger(logger, bindings, options);
}

type LogArgs = [unknown, ...unknown[]];

/** Methods on the prototype, so a request that never logs allocates one small object and no closures. */
class RequestLogger implements FastifyBaseLogger {
  #child: FastifyBaseLogger | undefined;
  readonly #parent: FastifyBaseLogger;
  readonly #bindings: Bindings;
  readonly #options: ChildLoggerOptions;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  #get(): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options);
    return this.#child;
  }

  get level(): string {
    return this.#child?.level ?? this.#options.level ?? this.#parent.level;
  }

  set level(level: string) {
    this.#get().level = level;
  }

  #write(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent', args: LogArgs): void {
    const child = this.#get();
    Reflect.apply(child[level], child, args);
  }

  fatal(...args: LogArgs): void {
    this.#write('fatal', args);
  }

  error(...args: LogArgs): void {
    this.#write('error', args);
  }

  warn(...args: LogArgs): void {
    this.#write('warn', args);
  }

  info(...args: LogArgs): void {
    this.#write('info', args);
  }

  debug(...args: LogArgs): void {
    this.#write('debug', args);
  }

  trace(...args: LogArgs): void {
    this.#write('trace', args);
  }

  silent(...args: LogArgs): void {
    this.#write('silent', args);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#get().child(bindings, options);
  }
}
