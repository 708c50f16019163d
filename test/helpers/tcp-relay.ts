import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpRelay {
  readonly port: number;
  /** Closes the listener and every relayed connection: from now on the service "is down". */
  cut(): Promise<void>;
  /** Listens again on the same port: the service "is back" (new connections are relayed again). */
  restore(): Promise<void>;
}

/**
 * A TCP relay on 127.0.0.1 in front of a real server, to play an outage (and a recovery) without
 * touching the server. `listenPort` 0 picks a free port; the same port is kept across `restore`.
 */
export async function startTcpRelay(targetHost: string, targetPort: number, listenPort = 0): Promise<TcpRelay> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = listenPort;
  function relay(client: Socket): void {
    const upstream = connect(targetPort, targetHost);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  }
  async function listen(): Promise<void> {
    const s = createServer(relay);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', resolve);
    });
    const address = s.address();
    if (address === null || typeof address === 'string') throw new Error('relay: no port');
    port = address.port;
    server = s;
  }
  async function cut(): Promise<void> {
    for (const s of sockets) s.destroy();
    sockets.clear();
    const s = server;
    server = undefined;
    if (s !== undefined) await new Promise<void>((resolve) => s.close(() => { resolve(); }));
  }
  await listen();
  return {
    get port() {
      return port;
    },
    cut,
    restore: listen,
  };
}
