/** Reads a V8 .cpuprofile: self time by package or file, inclusive time by function. */

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
export interface Profile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** node_modules/<pkg>, src/<file>, node:<module>, or a V8 pseudo-frame such as (garbage collector). */
function category(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  // eslint-disable-next-line security/detect-unsafe-regex -- profiler frame URLs of this machine, matched once per frame
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm !== null) return nm[1] ?? url;
  const src = /\/(src|bench)\/(.+)$/.exec(url);
  if (src !== null) return `${src[1] ?? ''}/${src[2] ?? ''}`;
  if (url.startsWith('node:')) return url;
  return url;
}

/** Only samples taken inside `window` (µs, monotonic) count: start-up and warm-up are left out. */
export function analyze(profile: Profile, window: readonly [number, number], top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    if (at < window[0] || at > window[1]) return;
    const node = byId.get(id);
    if (node === undefined) return;
    if (node.callFrame.functionName === '(idle)') {
      idle += dt;
      return;
    }
    total += dt;
    const cat = category(node.callFrame);
    self.set(cat, (self.get(cat) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)?.callFrame;
      if (f === undefined) break;
      const key = `${f.functionName || '(anonymous)'} ${category(f)}:${String(f.lineNumber + 1)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
    }
  });
  const pct = (v: number): string => `${((v / total) * 100).toFixed(1).padStart(5)}%`;
  const sorted = (m: Map<string, number>): [string, number][] => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `busy ${(total / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s`,
    '',
    'self time by package / file:',
    ...sorted(self).map(([k, v]) => `  ${pct(v)}  ${k}`),
    '',
    'inclusive time by function:',
    ...sorted(inclusive).map(([k, v]) => `  ${pct(v)}  ${k}`),
  ].join('\n');
}

