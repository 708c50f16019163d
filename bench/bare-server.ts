/**
 * The reference point of the benchmark: a bare Fastify route returning a constant JSON object,
 * served by the same Node binary as Gatehouse (no plugins, no logger, no hooks).
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', () => ({ hello: 'world' }));

const port = Number(process.env.PORT ?? '0');
app
  .listen({ host: '127.0.0.1', port })
  .then((address) => {
    process.stdout.write(`listening ${address}\n`);
  })
  .catch((e: unknown) => {
    process.stderr.write(`bare server failed: ${String(e)}\n`);
    process.exit(1);
  });
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
