// `node --import ./bench/references/register.mjs ../shared/bench-reference/<file>.mjs`
// with BENCH_REFERENCE_DIR=<that folder> (see resolve-hooks.mjs).
/* global URL, process */
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

const referenceUrl = pathToFileURL(`${process.env.BENCH_REFERENCE_DIR ?? ''}/`).href;
const repoUrl = new URL('../../package.json', import.meta.url).href;
register('./resolve-hooks.mjs', import.meta.url, { data: { referenceUrl, repoUrl } });
