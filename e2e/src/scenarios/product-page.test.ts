import { describe, expect, it } from 'vitest';
import { readProductPage } from './product-page.js';

const page = (reviews: string, served = 'reviews-v1-5d9c7-abcde') => `<!DOCTYPE html>
<html><head><title>Simple Bookstore App</title></head><body>
<h1 class="text-5xl">The Comedy of Errors</h1>
<h4 class="text-3xl">Book Reviews</h4>
${reviews}
<small>Reviews served by: ${served}</small>
</body></html>`;

const star = '<svg id="glyphicon glyphicon-star" viewBox="0 0 10 10"></svg>';

describe('reading the product page', () => {
  it('sees the page and book titles and v1 reviews without stars', () => {
    const p = readProductPage(page('<p>"An extremely entertaining play"</p>'));
    expect(p).toMatchObject({
      hasPageTitle: true,
      hasBookTitle: true,
      reviewsVersion: 'v1',
      problems: [],
    });
    expect(p.reviewsPod).toBe('reviews-v1-5d9c7-abcde');
  });

  it('tells v2 (black stars) from v3 (red stars)', () => {
    expect(
      readProductPage(
        page(`<div class="flex gap-x-1 text-black-500">${star}</div>`, 'reviews-v2-x-y'),
      ).reviewsVersion,
    ).toBe('v2');
    expect(
      readProductPage(
        page(`<div class="flex gap-x-1 text-red-500">${star}</div>`, 'reviews-v3-x-y'),
      ).reviewsVersion,
    ).toBe('v3');
  });

  it('reports a page whose stars contradict the pod that served the reviews', () => {
    const p = readProductPage(page(`<div class="text-red-500">${star}</div>`, 'reviews-v2-x-y'));
    expect(p.problems).toEqual(['stars say v3 but the reviews were served by reviews-v2-x-y']);
  });

  it('reports a page without reviews or with failed backends, and gives no version', () => {
    const failed = readProductPage(
      '<title>Simple Bookstore App</title><h1>The Comedy of Errors</h1><h4>Book Reviews</h4><h6>Error fetching product reviews</h6>',
    );
    expect(failed.reviewsVersion).toBeUndefined();
    expect(failed.problems).toContain('productpage could not fetch reviews');
    const other = readProductPage('<html>nginx</html>');
    expect(other.problems).toEqual([
      'no <title>Simple Bookstore App</title>',
      'no <h1> with "The Comedy of Errors"',
      'no reviews section',
    ]);
  });

  it('reports ratings being unavailable even though reviews came back', () => {
    const p = readProductPage(
      page('<p>Ratings service is currently unavailable</p>', 'reviews-v2-a-b'),
    );
    expect(p.problems).toContain('reviews could not fetch ratings');
  });
});
