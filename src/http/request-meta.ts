import type { FastifyRequest } from 'fastify';
import type { RequestMeta } from '../events/security-events.js';

export function metaOf(request: FastifyRequest): RequestMeta {
  const ua = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof ua === 'string' ? ua.slice(0, 512) : null };
}
