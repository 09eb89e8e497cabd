// The landing page at / and /index.html: the service tree productpage calls, as nested
// tables, and links to the product page.
import type { ProductpageConfig } from '../config.js';
import { htmlText } from '../shared/html.js';

export interface ServiceNode {
  readonly name: string;
  readonly endpoint: string;
  readonly children: readonly ServiceNode[];
}

export function serviceTree(config: ProductpageConfig): ServiceNode {
  const details = { name: config.detailsUrl, endpoint: 'details', children: [] };
  const ratings = { name: config.ratingsUrl, endpoint: 'ratings', children: [] };
  const reviews = { name: config.reviewsUrl, endpoint: 'reviews', children: [ratings] };
  // Upstream's root row names the details URL and endpoint, not productpage's own; the
  // table is what users see, so it shows the same thing.
  return { name: config.detailsUrl, endpoint: 'details', children: [details, reviews] };
}

const TABLE = '<table class="services">';

/** An object is a two-column key/value table; a list of objects is one row per object. */
export function jsonTable(value: unknown): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '';
    const rows = value as unknown[];
    const first = rows[0];
    if (rows.every(isRecord) && isRecord(first)) {
      const keys = Object.keys(first);
      const head = keys.map((k) => `<th>${htmlText(k)}</th>`).join('');
      const body = rows
        .map((r) => `<tr>${keys.map((k) => `<td>${jsonTable(r[k])}</td>`).join('')}</tr>`)
        .join('');
      return `${TABLE}<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
    }
    return `<ul>${rows.map((v) => `<li>${jsonTable(v)}</li>`).join('')}</ul>`;
  }
  if (isRecord(value)) {
    const rows = Object.entries(value)
      .map(([k, v]) => `<tr><th>${htmlText(k)}</th><td>${jsonTable(v)}</td></tr>`)
      .join('');
    return `${TABLE}${rows}</table>`;
  }
  return htmlText(value);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function renderIndexPage(tree: ServiceNode): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Simple Bookstore App</title>
<link rel="stylesheet" href="static/bookinfo.css">
</head>
<body>
<main class="container index">
  <h3 class="text-2xl">Hello! This is a simple bookstore application consisting of three services as shown below</h3>
  ${jsonTable(tree)}
  <p>Click on one of the links below to auto generate a request to the backend as a real user or a tester</p>
  <ul>
    <li><a href="/productpage?u=normal">Normal user</a></li>
    <li><a href="/productpage?u=test">Test user</a></li>
  </ul>
</main>
</body>
</html>
`;
}
