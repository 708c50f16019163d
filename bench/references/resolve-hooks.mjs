// Module resolution hooks for the shared reference servers (../shared/bench-reference/*.mjs), which
// are run from where they are: they import fastify, better-sqlite3 and jose by bare name, and
// /work/shared has no node_modules of its own. A bare specifier imported by a file under the
// reference folder resolves as if it were imported from this repository, so the references use the
// very same packages (and versions) as Gatehouse. Nothing else is changed.
let referenceUrl = '';
let repoUrl = '';

export function initialize(data) {
  referenceUrl = data.referenceUrl;
  repoUrl = data.repoUrl;
}

function isBare(specifier) {
  return !/^(\.|\/|[a-z][a-z0-9+.-]*:)/i.test(specifier);
}

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (parent !== undefined && parent.startsWith(referenceUrl) && isBare(specifier)) {
    return nextResolve(specifier, { ...context, parentURL: repoUrl });
  }
  return nextResolve(specifier, context);
}
