import { describe, expect, it } from 'vitest';
import { reviewsBody } from '../reviews/reviews-body.js';
import { DETAILS_UNAVAILABLE, REVIEWS_UNAVAILABLE } from './backends.js';
import { PRODUCTS } from './product.js';
import type { ProductPageView } from './productpage-html.js';
import { renderProductPage } from './productpage-html.js';

const details = {
  status: 200,
  body: JSON.parse(
    '{"id":0,"author":"William Shakespeare","year":1595,"type":"paperback","pages":200,"publisher":"PublisherA","language":"English","ISBN-10":"1234567890","ISBN-13":"123-1234567890"}',
  ) as unknown,
};

function reviewsFrom(
  version: 'v1' | 'v2' | 'v3',
  stars?: [number | undefined, number | undefined],
) {
  const body = reviewsBody({
    productId: 0,
    podname: `reviews-${version}-7d8f9-xyz`,
    clustername: 'null',
    starColor: version === 'v3' ? 'red' : 'black',
    ...(version === 'v1' ? {} : { stars: stars ?? [5, 4] }),
  });
  return { status: 200, body: JSON.parse(body) as unknown };
}

function page(overrides: Partial<ProductPageView> = {}): string {
  return renderProductPage({
    product: PRODUCTS[0],
    details,
    reviews: reviewsFrom('v1'),
    user: undefined,
    ...overrides,
  });
}

const count = (html: string, needle: string): number => html.split(needle).length - 1;

describe('product page markers', () => {
  const html = page();

  it('has the title, brand and book heading scripts grep for', () => {
    expect(html).toMatch(/<title>Simple Bookstore App<\/title>/);
    expect(html).toContain('BookInfo Sample');
    expect(html).toMatch(/<h1 [^>]*>The Comedy of Errors<\/h1>/);
    expect(html).toContain("<b>William Shakespeare's</b> early plays");
  });

  it('shows the details table', () => {
    expect(html).toMatch(/<h4 [^>]*>Book Details<\/h4>/);
    const headers = [...html.matchAll(/<th>([^<]*)<\/th>/g)].map((m) => m[1]);
    expect(headers).toEqual(['ISBN-10', 'Publisher', 'Pages', 'Type', 'Language']);
    expect(html).toContain(
      '<td>1234567890</td><td>PublisherA</td><td>200</td><td>paperback</td><td>English</td>',
    );
  });

  it('shows each review quoted, its reviewer and the pod that served it', () => {
    expect(html).toMatch(/<h4 [^>]*>Book Reviews<\/h4>/);
    expect(html).toContain(
      '<p>"An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!"</p>',
    );
    expect(html).toContain(
      '<p>"Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare."</p>',
    );
    expect(html).toContain('Reviewer1');
    expect(html).toContain('Reviewer2');
    expect(count(html, 'Reviews served by: reviews-v1-7d8f9-xyz')).toBe(2);
    expect(html).not.toContain('on cluster');
  });

  it('offers the sign-in button when nobody is signed in', () => {
    expect(html).toContain('id="sign-in-button"');
    expect(html).toMatch(/<form method="post" action="login"/);
    expect(html).toContain('name="username"');
  });
});

describe('stars per reviews version', () => {
  it('v1 shows no stars at all', () => {
    const html = page({ reviews: reviewsFrom('v1') });
    expect(count(html, 'glyphicon-star')).toBe(0);
    expect(html).not.toContain('gap-x-1');
  });

  it('v2 shows 5 and 4 black stars, filling up to five with empty ones', () => {
    const html = page({ reviews: reviewsFrom('v2') });
    expect(count(html, '<svg id="glyphicon glyphicon-star"')).toBe(9);
    expect(count(html, '<div class="flex gap-x-1 text-black-500">')).toBe(2);
    expect(count(html, '<svg class="star" viewBox="0 0 20 20" fill="none"')).toBe(1);
    expect(html).not.toContain('text-red-500">');
  });

  it('puts one star per line, so counting matching lines counts stars', () => {
    const html = page({ reviews: reviewsFrom('v2') });
    expect(html.split('\n').filter((line) => line.includes('glyphicon-star'))).toHaveLength(9);
  });

  it('v3 shows red stars', () => {
    const html = page({ reviews: reviewsFrom('v3', [2, 3]) });
    expect(count(html, 'glyphicon-star')).toBe(5);
    expect(count(html, '<div class="flex gap-x-1 text-red-500">')).toBe(2);
    expect(count(html, 'fill="none" stroke="currentColor"')).toBe(5);
  });

  it("puts each review's stars in its own row", () => {
    const html = page({ reviews: reviewsFrom('v2', [1, 3]) });
    const rows = [...html.matchAll(/<div class="flex gap-x-1 text-black-500">([\s\S]*?)<\/div>/g)];
    expect(rows.map((r) => count(r[1] ?? '', 'glyphicon-star'))).toEqual([1, 3]);
  });

  it('says ratings are unavailable instead of stars', () => {
    const html = page({ reviews: reviewsFrom('v2', [undefined, undefined]) });
    expect(count(html, 'Ratings service is currently unavailable')).toBe(2);
    expect(count(html, 'glyphicon-star')).toBe(0);
  });

  it('shows the cluster when reviews names one', () => {
    const reviews = {
      status: 200,
      body: JSON.parse(
        reviewsBody({ productId: 0, podname: 'p', clustername: 'east', starColor: 'black' }),
      ) as unknown,
    };
    expect(page({ reviews })).toContain('Reviews served by: p on cluster <span>east</span>');
  });
});

describe('error sections', () => {
  it('reports details it could not fetch, with the error text', () => {
    const html = page({ details: { status: 503, body: DETAILS_UNAVAILABLE } });
    expect(html).toContain('Error fetching product details');
    expect(html).toContain('Sorry, product details are currently unavailable for this book.');
    expect(html).not.toContain('Book Details');
    expect(html).toContain('Book Reviews');
  });

  it('reports reviews it could not fetch, with the error text', () => {
    const html = page({ reviews: { status: 500, body: REVIEWS_UNAVAILABLE } });
    expect(html).toContain('Error fetching product reviews');
    expect(html).toContain('Sorry, product reviews are currently unavailable for this book.');
    expect(html).not.toContain('Book Reviews');
    expect(html).toContain('Book Details');
  });
});

describe('signed-in user', () => {
  it('shows the name and a sign-out link instead of the sign-in button', () => {
    const html = page({ user: 'jason' });
    expect(html).toContain('>jason</p>');
    expect(html).toContain('href="logout"');
    expect(html).not.toContain('id="sign-in-button"');
  });

  it('escapes the name', () => {
    const html = page({ user: '<script>alert("x")</script>' });
    expect(html).toContain('&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert');
  });
});
