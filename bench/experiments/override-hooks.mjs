// Module customization hooks for prototypes: a file under BENCH_OVERRIDE_DIR/<path> replaces
// src/<path> (same relative path, .ts), and imports inside an override resolve as if it were
// still in src/, so an override is a verbatim copy of the src file plus the change under test.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

let srcUrl = '';
let overrideUrl = '';

export function initialize(data) {
  srcUrl = pathToFileURL(`${data.srcDir}/`).href;
  overrideUrl = data.overrideDir ? pathToFileURL(`${data.overrideDir}/`).href : '';
}

export async function resolve(specifier, context, nextResolve) {
  if (overrideUrl === '') return nextResolve(specifier, context);
  const original = context.parentURL;
  const fromOverride = original !== undefined && original.startsWith(overrideUrl);
  let resolved;
  try {
    resolved = await nextResolve(specifier, fromOverride ? { ...context, parentURL: srcUrl + original.slice(overrideUrl.length) } : context);
  } catch (e) {
    // A file the prototype adds exists only in the override folder.
    if (!fromOverride) throw e;
    return nextResolve(specifier, { ...context, parentURL: original });
  }
  if (resolved.url.startsWith(srcUrl)) {
    const candidate = overrideUrl + resolved.url.slice(srcUrl.length);
    if (existsSync(fileURLToPath(candidate))) return { ...resolved, url: candidate };
  }
  return resolved;
}
