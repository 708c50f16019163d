// `node --import ./bench/references/register.mjs ../shared/bench-reference/<file>.mjs`
// with BENCH_REFERENCE_DIR=<that folder> (see resolve-hooks.mjs).
/* global URL, process */
import { realpathSync } from 'node:fs';
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

// Node names a module by its real path, so where ../shared is a symbolic link (a checkout beside a
// link to the shared folder), the references' imports come from the link's target.
const referenceDir = realpathSync(process.env.BENCH_REFERENCE_DIR ?? '.');
const referenceUrl = pathToFileURL(`${referenceDir}/`).href;
const repoUrl = new URL('../../package.json', import.meta.url).href;
register('./resolve-hooks.mjs', import.meta.url, { data: { referenceUrl, repoUrl } });
