// Reads what the bookinfo scenario asserts from productpage's HTML, with the
// upstream markers (reference/istiod.md §8.3): the page title, the book
// title, and which reviews version served the reviews — v1 shows no stars,
// v2 black stars (text-black-500), v3 red stars (text-red-500).

export type ReviewsVersion = 'v1' | 'v2' | 'v3';

export interface ProductPage {
  readonly hasPageTitle: boolean;
  readonly hasBookTitle: boolean;
  /** The reviews version the stars show; undefined when the page shows no reviews or contradicts itself. */
  readonly reviewsVersion: ReviewsVersion | undefined;
  /** "Reviews served by: <pod>", when present. */
  readonly reviewsPod: string | undefined;
  /** What is wrong with the page, for assertion messages. */
  readonly problems: readonly string[];
}

export const PAGE_TITLE = '<title>Simple Bookstore App</title>';
export const BOOK_TITLE = 'The Comedy of Errors';

export function readProductPage(html: string): ProductPage {
  const problems: string[] = [];
  const hasPageTitle = html.includes(PAGE_TITLE);
  if (!hasPageTitle) problems.push(`no ${PAGE_TITLE}`);
  const hasBookTitle = new RegExp(`<h1[^>]*>\\s*${BOOK_TITLE}\\s*</h1>`).test(html);
  if (!hasBookTitle) problems.push(`no <h1> with "${BOOK_TITLE}"`);
  if (html.includes('Error fetching product reviews'))
    problems.push('productpage could not fetch reviews');
  if (html.includes('Ratings service is currently unavailable'))
    problems.push('reviews could not fetch ratings');

  const red = html.includes('text-red-500');
  const black = html.includes('text-black-500');
  const stars = html.includes('glyphicon-star');
  const hasReviews =
    html.includes('Book Reviews') && !html.includes('Error fetching product reviews');
  let reviewsVersion: ReviewsVersion | undefined;
  if (!hasReviews) problems.push('no reviews section');
  else if (red && black) problems.push('both black and red stars');
  else if (red) reviewsVersion = 'v3';
  else if (black) reviewsVersion = 'v2';
  else if (!stars) reviewsVersion = 'v1';
  else problems.push('stars without a colour');

  const pod = /Reviews served by:\s*([a-z0-9][a-z0-9.-]*)/.exec(html)?.[1];
  // The serving pod's name carries its Deployment name, a second witness of the version.
  const podVersion = /^reviews-(v[123])-/.exec(pod ?? '')?.[1];
  if (reviewsVersion && podVersion && podVersion !== reviewsVersion) {
    problems.push(`stars say ${reviewsVersion} but the reviews were served by ${pod ?? '?'}`);
  }
  return { hasPageTitle, hasBookTitle, reviewsVersion, reviewsPod: pod, problems };
}
