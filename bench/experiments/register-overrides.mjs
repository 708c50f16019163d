// `node --import tsx --import ./bench/experiments/register-overrides.mjs src/server.ts`
// with BENCH_OVERRIDE_DIR=<dir mirroring src/> (see override-hooks.mjs).
/* global URL, process */
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';

const srcDir = fileURLToPath(new URL('../../src', import.meta.url));
register('./override-hooks.mjs', import.meta.url, { data: { srcDir, overrideDir: process.env.BENCH_OVERRIDE_DIR ?? '' } });
