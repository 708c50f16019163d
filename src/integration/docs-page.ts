function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

interface Row {
  readonly tag: string;
  readonly method: string;
  readonly path: string;
  readonly summary: string;
  readonly description: string;
}

function rowsOf(doc: unknown): Row[] {
  const rows: Row[] = [];
  for (const [path, ops] of Object.entries(record(record(doc).paths))) {
    for (const [method, value] of Object.entries(record(ops))) {
      const op = record(value);
      const tags: unknown = op.tags;
      const tag = Array.isArray(tags) ? text(tags[0]) : '';
      rows.push({ tag: tag === '' ? 'other' : tag, method: method.toUpperCase(), path, summary: text(op.summary), description: text(op.description) });
    }
  }
  return rows.sort((a, b) => a.tag.localeCompare(b.tag) || a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

/** Static HTML listing every documented route, linking the machine-readable document. */
export function docsPage(doc: unknown, jsonUrl: string): string {
  const rows = rowsOf(doc);
  const tags = [...new Set(rows.map((r) => r.tag))];
  const sections = tags.map((tag) => {
    const body = rows
      .filter((r) => r.tag === tag)
      .map((r) => `<tr><td><code>${escapeHtml(r.method)}</code></td><td><code>${escapeHtml(r.path)}</code></td><td>${escapeHtml(r.summary)}${r.description === '' ? '' : `<br><small>${escapeHtml(r.description)}</small>`}</td></tr>`)
      .join('\n');
    return `<h2>${escapeHtml(tag)}</h2>\n<table>\n<thead><tr><th>Method</th><th>Path</th><th>What it does</th></tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
  });
  const info = record(record(doc).info);
  const title = escapeHtml(text(info.title) === '' ? 'API' : text(info.title));
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} API</title></head>
<body>
<h1>${title} API</h1>
<p>${escapeHtml(text(info.description))}</p>
<p>Machine-readable: <a href="${escapeHtml(jsonUrl)}">OpenAPI document (JSON)</a>.</p>
${sections.join('\n')}
</body>
</html>
`;
}
