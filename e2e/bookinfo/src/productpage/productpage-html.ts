// The /productpage document. Our own markup, keeping the strings people's scripts look for:
// the title, "BookInfo Sample", the <h1> with the book title, "Book Details" and its table,
// "Book Reviews", each review as <p>"text"</p>, "Reviews served by:" with the pod name, one
// <svg id="glyphicon glyphicon-star"> per filled star (empty stars never say "glyphicon",
// so counting that word counts stars) inside <div class="flex gap-x-1 text-<color>-500">,
// the error lines, and the sign-in button's id.
import { escapeHtml, htmlText } from '../shared/html.js';
import type { Fetched } from './backends.js';
import type { Product } from './product.js';

export interface ProductPageView {
  readonly product: Product | undefined;
  readonly details: Fetched;
  readonly reviews: Fetched;
  /** The signed-in user, if any. */
  readonly user: string | undefined;
}

const STAR_POINTS =
  '10,0.8 12.2,7 18.8,7.1 13.6,11.1 15.5,17.5 10,13.7 4.5,17.5 6.4,11.1 1.2,7.1 7.8,7';

export const FILLED_STAR = `<svg id="glyphicon glyphicon-star" class="star" viewBox="0 0 20 20" fill="currentColor" aria-hidden="true"><polygon points="${STAR_POINTS}"/></svg>`;
export const EMPTY_STAR = `<svg class="star" viewBox="0 0 20 20" fill="none" stroke="currentColor" stroke-width="1.2" aria-hidden="true"><polygon points="${STAR_POINTS}"/></svg>`;

export function renderProductPage(view: ProductPageView): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Simple Bookstore App</title>
<link rel="stylesheet" href="static/bookinfo.css">
</head>
<body>
${navBar(view.user)}
${signInDialog()}
<main>
${productSection(view.product)}
${detailsSection(view.details)}
${reviewsSection(view.reviews)}
</main>
<script>
  // Opens and closes the sign-in dialog; everything else works without scripts.
  const dialog = document.getElementById('sign-in-dialog');
  document.getElementById('sign-in-button')?.addEventListener('click', () => dialog.showModal());
  document.getElementById('close-dialog')?.addEventListener('click', () => dialog.close());
</script>
</body>
</html>
`;
}

function navBar(user: string | undefined): string {
  const right =
    user === undefined
      ? `<button type="button" id="sign-in-button" class="button">Sign in</button>`
      : `<div class="user">
      <p class="user-name">${escapeHtml(user)}</p>
      <a href="logout" class="sign-out">Sign out</a>
    </div>`;
  return `<nav class="bg-gray-800">
  <div class="container nav-row">
    <a href="#" class="brand" aria-current="page">BookInfo Sample</a>
    ${right}
  </div>
</nav>`;
}

function signInDialog(): string {
  return `<dialog id="sign-in-dialog">
  <button id="close-dialog" type="button" class="close" aria-label="Close">&times;</button>
  <h2>Sign in to BookInfo</h2>
  <form method="post" action="login" name="login_form">
    <label for="username">Username</label>
    <input id="username" name="username" required>
    <label for="password">Password</label>
    <input id="password" name="passwd" type="password" required>
    <button type="submit" class="button">Sign in</button>
  </form>
</dialog>`;
}

function productSection(product: Product | undefined): string {
  if (product === undefined) return '';
  return `<section class="container">
  <h1 class="text-5xl font-bold">${escapeHtml(product.title)}</h1>
  <p class="description">${product.descriptionHtml}</p>
</section>`;
}

function detailsSection(details: Fetched): string {
  if (details.status !== 200) {
    return `<section class="container">
  <p class="text-2xl text-red-500">Error fetching product details</p>
${errorLine(details.body)}
</section>`;
  }
  const d = details.body;
  return `<section class="container">
  <h4 class="text-3xl font-semibold">Book Details</h4>
  <table class="details">
    <thead>
      <tr><th>ISBN-10</th><th>Publisher</th><th>Pages</th><th>Type</th><th>Language</th></tr>
    </thead>
    <tbody>
      <tr><td>${htmlText(field(d, 'ISBN-10'))}</td><td>${htmlText(field(d, 'publisher'))}</td><td>${htmlText(field(d, 'pages'))}</td><td>${htmlText(field(d, 'type'))}</td><td>${htmlText(field(d, 'language'))}</td></tr>
    </tbody>
  </table>
</section>`;
}

function reviewsSection(reviews: Fetched): string {
  if (reviews.status !== 200) {
    return `<section class="reviews"><div class="container">
  <p class="text-2xl text-red-500">Error fetching product reviews</p>
${errorLine(reviews.body)}
</div></section>`;
  }
  const body = reviews.body;
  const list = field(body, 'reviews');
  const items = Array.isArray(list) ? (list as unknown[]) : [];
  const podname = field(body, 'podname');
  const clustername = field(body, 'clustername');
  const servedBy = `Reviews served by: ${htmlText(podname)}${
    clustername !== 'null' ? ` on cluster <span>${htmlText(clustername)}</span>` : ''
  }`;
  return `<section class="reviews"><div class="container">
  <h4 class="text-3xl font-semibold">Book Reviews</h4>
  <div class="review-list">
${items.map((r) => review(r, servedBy)).join('\n')}
  </div>
</div></section>`;
}

function review(r: unknown, servedBy: string): string {
  return `    <article class="review">
${rating(field(r, 'rating'))}
      <blockquote><p>"${htmlText(field(r, 'text'))}"</p></blockquote>
      <div class="reviewer">${htmlText(field(r, 'reviewer'))}</div>
      <div class="served-by">${servedBy}</div>
    </article>`;
}

const MAX_STARS = 100;

/** Stars when the rating has a non-zero star count, its error text when it has one. */
function rating(value: unknown): string {
  const count = field(value, 'stars');
  if (typeof count === 'number' && count !== 0) {
    // Ratings accepts any POSTed number; a bound keeps a silly one from eating memory.
    const n = Math.max(-MAX_STARS, Math.min(MAX_STARS, Math.trunc(count)));
    // One star per line, as upstream renders them, so `grep -c glyphicon-star` counts stars
    // just like `grep -o glyphicon-star | wc -l` does.
    const stars = [
      ...Array<string>(Math.max(0, n)).fill(FILLED_STAR),
      ...Array<string>(Math.max(0, 5 - n)).fill(EMPTY_STAR),
    ].map((svg) => `        ${svg}\n`);
    return `      <div class="flex gap-x-1 text-${htmlText(field(value, 'color'))}-500">\n${stars.join('')}      </div>`;
  }
  const error = field(value, 'error');
  if (error !== undefined && error !== null && error !== '') {
    return `      <p class="text-red-500">${htmlText(error)}</p>`;
  }
  return '';
}

function errorLine(body: unknown): string {
  const error = field(body, 'error');
  return error === undefined ? '' : `  <p class="text-lg text-gray-600">${htmlText(error)}</p>`;
}

function field(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return (value as Record<string, unknown>)[key];
}
