// What reviews answers. Upstream (Java on Liberty) builds its JSON by string concatenation,
// so the spacing is irregular, `id` is a string, and nothing is escaped; clients grep for
// exactly these bytes, so we build the same string the same way.

export const REVIEWS_HEALTH_BODY = '{"status": "Reviews is healthy"}';
export const RATINGS_UNAVAILABLE_TEXT = 'Ratings service is currently unavailable';

export const REVIEWS = [
  {
    reviewer: 'Reviewer1',
    text: 'An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!',
  },
  {
    reviewer: 'Reviewer2',
    text: 'Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.',
  },
] as const;

/** Stars for Reviewer1 and Reviewer2; undefined where ratings gave no usable answer. */
export type ReviewerStars = readonly [number | undefined, number | undefined];

export interface ReviewsBodyInput {
  readonly productId: number;
  readonly podname: string;
  readonly clustername: string;
  readonly starColor: string;
  /** Omitted when ratings are disabled (v1): the reviews then carry no `rating` at all. */
  readonly stars?: ReviewerStars;
}

export function reviewsBody(input: ReviewsBodyInput): string {
  const review = (i: 0 | 1): string => {
    const { reviewer, text } = REVIEWS[i];
    let s = `{  "reviewer": "${reviewer}",  "text": "${text}"`;
    if (input.stars !== undefined) {
      const stars = input.stars[i];
      s +=
        stars === undefined
          ? `, "rating": {"error": "${RATINGS_UNAVAILABLE_TEXT}"}`
          : `, "rating": {"stars": ${stars}, "color": "${input.starColor}"}`;
    }
    return `${s}}`;
  };
  return (
    `{"id": "${input.productId}",` +
    `"podname": "${input.podname}",` +
    `"clustername": "${input.clustername}",` +
    `"reviews": [${review(0)},${review(1)}]}`
  );
}

export class RatingsBodyError extends Error {
  override readonly name = 'RatingsBodyError';
}

/**
 * Reads the stars out of a 200 answer from ratings. A missing reviewer (or upstream's -1
 * sentinel) is undefined; a body that is not a JSON object, or a rating that is not a
 * number, is an error, which upstream lets surface as a 500.
 */
export function starsFromRatings(body: string): ReviewerStars {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new RatingsBodyError('ratings answered 200 with a body that is not JSON');
  }
  if (!isObject(parsed)) throw new RatingsBodyError('ratings answered with a non-object');
  if (!('ratings' in parsed)) return [undefined, undefined];
  const ratings = parsed.ratings;
  if (!isObject(ratings)) throw new RatingsBodyError('"ratings" is not an object');
  return [starsOf(ratings, 'Reviewer1'), starsOf(ratings, 'Reviewer2')];
}

function starsOf(ratings: Record<string, unknown>, reviewer: string): number | undefined {
  if (!(reviewer in ratings)) return undefined;
  const v = ratings[reviewer];
  if (typeof v !== 'number') throw new RatingsBodyError(`${reviewer}'s rating is not a number`);
  // JsonNumber.intValue(): truncated to a 32-bit int.
  const stars = v | 0;
  return stars === -1 ? undefined : stars;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The `{productId}` path parameter as JAX-RS converts it to a Java int: optional sign,
 * decimal digits, 32-bit range. Anything else does not match the route (404).
 */
export function parseJavaInt(s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n >= -2147483648 && n <= 2147483647 ? n : undefined;
}
