/**
 * The bare Fastify route with Gatehouse's per-request layers added one at a time (env LAYERS,
 * comma-separated): `helmet` (@fastify/helmet as configured in src/http/hygiene.ts), `headers`
 * (the same headers as one precomputed object), `cookie` (@fastify/cookie), `log2` (pino with
 * src/logger.ts options, Fastify's two lines per request), `log1` (one line per request),
 * `asynchook` (an async onRequest hook like installRequestChecks). Used by ladder.ts.
 */
import Fastify, { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import { pino } from 'pino';
import { createLogger, loggerOptions } from '../../src/logger.js';
import { securityHeaders } from '../../src/http/hygiene.js';

const layers = new Set((process.env.LAYERS ?? '').split(',').filter((l) => l !== ''));

class OneLine extends LogController {
  override incomingRequest(): void {
    // one line per request: the completion line
  }
  override requestCompleted(_e: unknown, request: FastifyRequest, reply: FastifyReply): void {
    reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/** One line of plain fields from a logger without redaction (nothing secret can be in these fields). */
const access = pino({ level: 'info' });
class PlainLine extends LogController {
  override incomingRequest(): void {
    // one line per request: the completion line
  }
  override requestCompleted(_e: unknown, request: FastifyRequest, reply: FastifyReply): void {
    const q = request.url.indexOf('?');
    access.info({ reqId: request.id, method: request.method, url: q === -1 ? request.url : `${request.url.slice(0, q)}?…`, ip: request.ip, statusCode: reply.statusCode, responseTime: reply.elapsedTime }, 'request completed');
  }
}

const withoutRedact = { ...loggerOptions('info'), redact: undefined };
const logged = layers.has('log2') || layers.has('log1') || layers.has('log1nr') || layers.has('log1plain');
const app = Fastify({
  ...(logged ? { loggerInstance: layers.has('log1nr') ? pino(withoutRedact) : createLogger('info') } : { logger: false }),
  ...(layers.has('log1') || layers.has('log1nr') ? { logController: new OneLine() } : {}),
  ...(layers.has('log1plain') ? { logController: new PlainLine() } : {}),
  requestIdHeader: false,
});

// The precomputed headers Gatehouse sends (src/http/hygiene.ts), over http.
const HEADERS = securityHeaders(false);

async function main(): Promise<void> {
  if (layers.has('helmet')) {
    await app.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          'default-src': ["'self'"], 'script-src': ["'self'"], 'style-src': ["'self'"], 'img-src': ["'self'", 'data:'], 'font-src': ["'self'"],
          'connect-src': ["'self'"], 'form-action': ["'self'"], 'frame-ancestors': ["'none'"], 'object-src': ["'none'"], 'base-uri': ["'none'"],
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
      strictTransportSecurity: false,
      crossOriginEmbedderPolicy: false,
      frameguard: { action: 'deny' },
    });
  }
  if (layers.has('headers')) {
    app.addHook('onRequest', (_req, reply, done) => {
      void reply.headers(HEADERS);
      done();
    });
  }
  if (layers.has('cookie')) await app.register(cookie);
  if (layers.has('asynchook')) {
    app.addHook('onRequest', async (request, reply) => {
      if (!request.url.startsWith('/api/')) return;
      void reply.header('cache-control', 'no-store');
    });
  }
  app.get('/', () => ({ hello: 'world' }));
  app.get('/api/x', () => ({ hello: 'world' }));
  const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? '0') });
  process.stderr.write(`listening ${address}\n`);
}

process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
void main();
