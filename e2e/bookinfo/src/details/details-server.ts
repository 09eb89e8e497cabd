// details: GET /details/<id> and GET /health.
import type { Handler } from '../shared/http-server.js';
import { requestPath, sendJson, sendText } from '../shared/http-server.js';
import {
  DETAILS_HEALTH_BODY,
  NON_NUMERIC_ID_MESSAGE,
  bookDetailsBody,
  detailsErrorBody,
  detailsIdSegment,
  parseRubyInteger,
} from './details-body.js';

/** A WEBrick mount: the prefix itself or anything below it, not `/detailsX`. */
function mounted(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

export function detailsHandler(): Handler {
  return (req, res) => {
    const path = requestPath(req);
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'POST') {
      sendText(res, 405, 'Method Not Allowed');
    } else if (mounted(path, '/health')) {
      sendJson(res, 200, DETAILS_HEALTH_BODY);
    } else if (mounted(path, '/details')) {
      const id = parseRubyInteger(detailsIdSegment(path));
      if (id === undefined) sendJson(res, 400, detailsErrorBody(NON_NUMERIC_ID_MESSAGE));
      else sendJson(res, 200, bookDetailsBody(id));
    } else {
      sendText(res, 404, 'Not Found');
    }
  };
}
