// The one stylesheet the pages link, served under /static (the gateway route forwards that
// prefix). Only the classes our markup uses; star colours by the `text-<color>-500` names
// reviews v2 (black) and v3 (red) produce.

export const BOOKINFO_CSS = `*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;line-height:1.5}
.container{max-width:72rem;margin:0 auto;padding:1.5rem 2rem}
.bg-gray-800{background:#1f2937}
.nav-row{display:flex;align-items:center;justify-content:space-between;padding-top:.75rem;padding-bottom:.75rem}
.brand{color:#fff;font-size:1.125rem;font-weight:500;text-decoration:none}
.button{border:0;border-radius:.375rem;background:#2563eb;color:#fff;padding:.6rem .9rem;font-weight:600;cursor:pointer}
.button:hover{background:#3b82f6}
.user{text-align:right}
.user-name{margin:0;color:#f9fafb;font-weight:500}
.sign-out{color:#9ca3af;font-size:.75rem}
dialog{border:1px solid #d1d5db;border-radius:.375rem;padding:2rem;width:min(28rem,90vw)}
dialog form{display:grid;gap:.5rem}
dialog input{padding:.4rem .6rem;border:1px solid #d1d5db;border-radius:.375rem}
.close{float:right;border:0;background:none;font-size:1.5rem;color:#9ca3af;cursor:pointer}
.text-5xl{font-size:3rem;line-height:1.1;color:#1e3a8a}
.font-bold{font-weight:700}
.font-semibold{font-weight:600}
.description{font-size:1.25rem;color:#4b5563;max-width:56rem}
.text-3xl{font-size:1.875rem}
.text-2xl{font-size:1.5rem}
.text-lg{font-size:1.125rem}
.text-gray-600{color:#4b5563}
table.details{border-collapse:collapse;min-width:32rem}
table.details th,table.details td{text-align:left;padding:.5rem 1rem .5rem 0;border-bottom:1px solid #e5e7eb}
table.services{border-collapse:collapse;width:100%}
table.services th,table.services td{border:1px solid #d3d3d3;padding:.5em;text-align:left}
table.services th{background:#466bb0;color:#fff}
.reviews{background:rgba(37,99,235,.05)}
.review-list{display:flex;flex-wrap:wrap;gap:2rem}
.review{flex:1 1 20rem;padding:1.5rem 0}
blockquote{margin:1.5rem 0 1rem;font-size:1.25rem;font-weight:600}
.reviewer{font-weight:600}
.served-by{color:#4b5563;font-family:ui-monospace,monospace;font-size:.875rem}
.flex{display:flex}
.gap-x-1{column-gap:.25rem}
.star{width:1.25rem;height:1.25rem;flex:none}
.text-black-500{color:#000}
.text-red-500{color:#ef4444}
.text-blue-500{color:#3b82f6}
.text-green-500{color:#22c55e}
.text-yellow-500{color:#eab308}
`;

export interface StaticAsset {
  readonly contentType: string;
  readonly body: string;
}

const ASSETS: Readonly<Record<string, StaticAsset>> = {
  '/static/bookinfo.css': { contentType: 'text/css; charset=utf-8', body: BOOKINFO_CSS },
};

export function staticAsset(path: string): StaticAsset | undefined {
  return ASSETS[path];
}
