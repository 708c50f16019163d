import { findBinary, startCaddy } from './proxy-support.js';
import { proxySuite } from './proxy-suite.js';

const CADDY = findBinary('caddy');
// Under CI a missing Caddy is not skipped: the suite runs and fails loudly.
const SKIP = CADDY === null && process.env.CI !== 'true';
if (SKIP) process.stdout.write('skipped: caddy suite: caddy not installed\n');

proxySuite(`Caddy forward_auth with docs/examples/Caddyfile-forward-auth${SKIP ? ' [skipped: caddy not installed]' : ''}`, SKIP, (ports) => {
  if (CADDY === null) throw new Error('caddy is not installed (apt-get install -y caddy)');
  return startCaddy(CADDY, ports);
});
