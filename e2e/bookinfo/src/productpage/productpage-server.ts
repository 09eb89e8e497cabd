// productpage: the UI (/, /index.html, /productpage, sign in and out), the JSON API under
// /api/v1/products, /health, /metrics and the stylesheet under /static.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProductpageConfig } from '../config.js';
import type { HttpGet } from '../shared/http-client.js';
import type { Handler } from '../shared/http-server.js';
import { queryString, readBody, requestPath, send, sendText } from '../shared/http-server.js';
import { PRODUCTPAGE_FORWARDED, forwardedHeaders } from '../shared/propagation.js';
import { pythonJsonDumps } from '../shared/python-json.js';
import { escapeHtml } from '../shared/html.js';
import type { Headers } from './backends.js';
import { productpageBackends } from './backends.js';
import { renderIndexPage, serviceTree } from './index-html.js';
import { RequestResultCounter } from './metrics.js';
import { DEFAULT_PRODUCT_ID, PRODUCTS } from './product.js';
import { renderProductPage } from './productpage-html.js';
import { SESSION_CLEAR_COOKIE, sessionSetCookie, userFromCookies } from './session.js';
import { staticAsset } from './static-assets.js';

const HTML = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json';

export interface ProductpageDeps {
  readonly httpGet: HttpGet;
  /** Milliseconds; stamps the metric's `_created` series. */
  readonly now: () => number;
}

export function productpageHandler(config: ProductpageConfig, deps: ProductpageDeps): Handler {
  const counter = new RequestResultCounter(deps.now);
  const backends = productpageBackends(config, deps.httpGet, counter);
  const indexPage = renderIndexPage(serviceTree(config));

  /** What goes onto calls to details, reviews and ratings for this request. */
  function outboundHeaders(req: IncomingMessage): Headers {
    const headers = forwardedHeaders(req.headers, PRODUCTPAGE_FORWARDED);
    const user = userFromCookies(req.headers.cookie);
    return user === undefined ? headers : { ...headers, 'end-user': user };
  }

  async function productPage(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = outboundHeaders(req);
    const id = DEFAULT_PRODUCT_ID;
    // One after the other, as upstream does: a slow details delays the reviews call.
    const details = await backends.details(id, headers);
    for (let i = 0; i < config.floodFactor; i++) await backends.reviews(id, headers);
    const reviews = await backends.reviews(id, headers);
    const page = renderProductPage({
      product: PRODUCTS[id],
      details,
      reviews,
      user: userFromCookies(req.headers.cookie),
    });
    send(res, 200, HTML, page);
  }

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Flask's request.values: the query string and the form body together.
    const form = new URLSearchParams(queryString(req));
    for (const [k, v] of new URLSearchParams(await readBody(req))) form.append(k, v);
    const user = form.get('username') ?? '';
    redirectBack(req, res, user === '' ? SESSION_CLEAR_COOKIE : sessionSetCookie(user));
  }

  async function api(res: ServerResponse, req: IncomingMessage, path: string): Promise<boolean> {
    if (path === '/api/v1/products') {
      send(res, 200, JSON_TYPE, pythonJsonDumps(PRODUCTS));
      return true;
    }
    const m = /^\/api\/v1\/products\/([^/]+)(?:\/(reviews|ratings))?$/.exec(path);
    const id = m?.[1];
    if (id === undefined) return false;
    const which = m?.[2] ?? 'details';
    const fetched = await (which === 'reviews'
      ? backends.reviews(id, outboundHeaders(req))
      : which === 'ratings'
        ? backends.ratings(id, outboundHeaders(req))
        : backends.details(id, outboundHeaders(req)));
    send(res, fetched.status, JSON_TYPE, pythonJsonDumps(fetched.body));
    return true;
  }

  return async (req, res) => {
    const path = requestPath(req);
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');

    if (path === '/login') {
      if (method === 'POST') await login(req, res);
      else sendText(res, 405, 'Method Not Allowed');
      return;
    }
    if (method !== 'GET') {
      sendText(
        res,
        isKnownGetPath(path) ? 405 : 404,
        isKnownGetPath(path) ? 'Method Not Allowed' : 'Not Found',
      );
      return;
    }
    switch (path) {
      case '/':
      case '/index.html':
        send(res, 200, HTML, indexPage);
        return;
      case '/health':
        send(res, 200, HTML, 'Product page is healthy');
        return;
      case '/logout':
        redirectBack(req, res, SESSION_CLEAR_COOKIE);
        return;
      case '/productpage':
        await productPage(req, res);
        return;
      case '/metrics':
        send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', counter.render());
        return;
    }
    if (await api(res, req, path)) return;
    const asset = path.startsWith('/static/') ? staticAsset(path) : undefined;
    if (asset !== undefined) send(res, 200, asset.contentType, asset.body);
    else sendText(res, 404, 'Not Found');
  };
}

function isKnownGetPath(path: string): boolean {
  return (
    ['/', '/index.html', '/health', '/logout', '/productpage', '/metrics'].includes(path) ||
    path.startsWith('/api/v1/products')
  );
}

/**
 * Back to the page the form was on (the Referer), as upstream's sign in and out do. A
 * client that sends no Referer, such as curl, lands on the product page.
 */
function redirectBack(req: IncomingMessage, res: ServerResponse, cookie: string): void {
  const target = req.headers.referer ?? '/productpage';
  send(
    res,
    302,
    HTML,
    `<!DOCTYPE html>\n<title>Redirecting...</title>\n<p>Redirecting to <a href="${escapeHtml(target)}">${escapeHtml(target)}</a>.</p>\n`,
    { Location: target, 'Set-Cookie': cookie },
  );
}
