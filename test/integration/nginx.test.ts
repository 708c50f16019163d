import { findBinary, startNginx } from './proxy-support.js';
import { proxySuite } from './proxy-suite.js';

const NGINX = findBinary('nginx');
// Under CI a missing nginx is not skipped: the suite runs and fails loudly (.ci/run installs it).
const SKIP = NGINX === null && process.env.CI !== 'true';
if (SKIP) process.stdout.write('skipped: nginx suite: nginx not installed\n');

proxySuite(
  `nginx auth_request with docs/examples/nginx-forward-auth.conf${SKIP ? ' [skipped: nginx not installed]' : ''}`,
  SKIP,
  (ports) => {
    if (NGINX === null) throw new Error('nginx is not installed (apt-get install -y nginx)');
    return startNginx(NGINX, ports);
  },
  '/_gatehouse/verify',
);
