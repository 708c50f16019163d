import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * What a shutdown needs to know about open connections and Node does not tell: whether a
 * connection's request is in a handler (fully received, not yet answered) or is still arriving.
 *
 * Node's `server.close()` stops enforcing `requestTimeout` and `closeIdleConnections()` leaves
 * alone every connection with a request in progress, including one whose client declared a body
 * and stopped sending it. Such a request has not reached a handler, so nothing is lost by closing
 * it; left alone it would hold the shutdown until the supervisor's kill.
 */
export interface ConnectionDrain {
  /** Closes every connection that has no request in a handler (idle, or still receiving); returns how many. */
  closeAllButHandling(): number;
  /** Closes every connection, whatever it is doing; returns how many. */
  closeAll(): number;
}

export function trackConnections(server: Server): ConnectionDrain {
  const sockets = new Set<Socket>();
  // The latest response on each connection. Its request is in a handler while the request has fully
  // arrived and the response is not finished. A later request on the same connection replaces it;
  // one still arriving has not been emitted yet, so the finished response it replaces says "not
  // handling", which is right. (One map write per request, no listener: this runs on every request.)
  const latest = new WeakMap<Socket, ServerResponse>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    latest.set(request.socket, response);
  });
  function handling(socket: Socket): boolean {
    const response = latest.get(socket);
    return response !== undefined && !response.writableFinished && response.req.complete;
  }
  function close(keep: (socket: Socket) => boolean): number {
    let closed = 0;
    for (const socket of sockets) {
      if (keep(socket)) continue;
      socket.destroy();
      closed += 1;
    }
    return closed;
  }
  return {
    // `complete`: the whole request (headers and any body) has arrived, so a handler has it.
    closeAllButHandling: () => close(handling),
    closeAll: () => close(() => false),
  };
}
