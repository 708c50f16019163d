import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../services.js';
import { checkSession, readCheckInput, type AuthContext } from '../session/authenticate.js';

/**
 * Lets the provider's hooks (which only see Node's request) ask about the Gatehouse session of the
 * Fastify request that carries it. One instance per mounted provider: no module-level state.
 */
export class RequestBridge {
  readonly #requests = new WeakMap<IncomingMessage, FastifyRequest>();
  readonly #sessions = new WeakMap<IncomingMessage, Promise<AuthContext | null>>();
  /** Work the provider's event handlers start, finished before its response is sent. */
  readonly #tasks = new WeakMap<IncomingMessage, Promise<void>[]>();

  constructor(readonly s: Services) {}

  attach(request: FastifyRequest): void {
    this.#requests.set(request.raw, request);
  }

  /**
   * The live Gatehouse session of this browser request, or null. An impersonation session never
   * counts: an admin acting as a user must not sign in to other apps as that user.
   */
  session(raw: IncomingMessage): Promise<AuthContext | null> {
    let pending = this.#sessions.get(raw);
    if (pending === undefined) {
      const request = this.#requests.get(raw);
      pending =
        request === undefined
          ? Promise.resolve(null)
          : checkSession(this.s, readCheckInput(this.s, request, 'GET')).then((r) => (r.ok && r.auth.impersonator === null ? r.auth : null));
      this.#sessions.set(raw, pending);
    }
    return pending;
  }

  defer(raw: IncomingMessage, task: Promise<void>): void {
    const list = this.#tasks.get(raw) ?? [];
    list.push(task);
    this.#tasks.set(raw, list);
  }

  async settle(raw: IncomingMessage): Promise<void> {
    const list = this.#tasks.get(raw) ?? [];
    this.#tasks.delete(raw);
    await Promise.all(list);
  }
}
