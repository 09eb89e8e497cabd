import { describe, expect, it } from 'vitest';
import {
  REVIEWS_HEALTH_BODY,
  RatingsBodyError,
  parseJavaInt,
  reviewsBody,
  starsFromRatings,
} from './reviews-body.js';

const R1 =
  '{  "reviewer": "Reviewer1",  "text": "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!"';
const R2 =
  '{  "reviewer": "Reviewer2",  "text": "Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare."';
const base = { productId: 0, podname: 'reviews-v2-5b9f-abcde', clustername: 'null' };

describe('reviews body', () => {
  it('v1 (ratings disabled) carries no rating, with upstream spacing and a string id', () => {
    expect(reviewsBody({ ...base, podname: 'reviews-v1-x', starColor: 'black' })).toBe(
      `{"id": "0","podname": "reviews-v1-x","clustername": "null","reviews": [${R1}},${R2}}]}`,
    );
  });

  it('v2 appends black stars inside each review', () => {
    expect(reviewsBody({ ...base, starColor: 'black', stars: [5, 4] })).toBe(
      `{"id": "0","podname": "reviews-v2-5b9f-abcde","clustername": "null","reviews": [` +
        `${R1}, "rating": {"stars": 5, "color": "black"}},` +
        `${R2}, "rating": {"stars": 4, "color": "black"}}]}`,
    );
  });

  it('v3 appends red stars', () => {
    expect(reviewsBody({ ...base, starColor: 'red', stars: [1, 0] })).toContain(
      `${R1}, "rating": {"stars": 1, "color": "red"}},${R2}, "rating": {"stars": 0, "color": "red"}}]}`,
    );
  });

  it('says ratings are unavailable per reviewer without stars', () => {
    expect(reviewsBody({ ...base, starColor: 'red', stars: [undefined, 3] })).toBe(
      `{"id": "0","podname": "reviews-v2-5b9f-abcde","clustername": "null","reviews": [` +
        `${R1}, "rating": {"error": "Ratings service is currently unavailable"}},` +
        `${R2}, "rating": {"stars": 3, "color": "red"}}]}`,
    );
  });

  it('prints the cluster name and product id it was given', () => {
    const body = reviewsBody({ ...base, productId: -12, clustername: 'east', starColor: 'black' });
    expect(
      body.startsWith('{"id": "-12","podname": "reviews-v2-5b9f-abcde","clustername": "east",'),
    ).toBe(true);
  });

  it('reports health with a space after the colon', () => {
    expect(REVIEWS_HEALTH_BODY).toBe('{"status": "Reviews is healthy"}');
  });
});

describe('stars from a ratings answer', () => {
  it('reads both reviewers', () => {
    expect(starsFromRatings('{"id":0,"ratings":{"Reviewer1":5,"Reviewer2":4}}')).toEqual([5, 4]);
  });

  it('leaves a missing reviewer, or the -1 sentinel, without stars', () => {
    expect(starsFromRatings('{"id":0,"ratings":{"Reviewer2":2}}')).toEqual([undefined, 2]);
    expect(starsFromRatings('{"id":0,"ratings":{"Reviewer1":-1,"Reviewer2":2}}')).toEqual([
      undefined,
      2,
    ]);
    expect(starsFromRatings('{"id":0}')).toEqual([undefined, undefined]);
  });

  it('truncates fractional stars as Java intValue() does', () => {
    expect(starsFromRatings('{"ratings":{"Reviewer1":4.7,"Reviewer2":-0.5}}')).toEqual([4, 0]);
  });

  it.each(['not json', '[1]', '{"ratings":[5,4]}', '{"ratings":{"Reviewer1":"five"}}'])(
    'refuses a malformed body %j',
    (body) => {
      expect(() => starsFromRatings(body)).toThrow(RatingsBodyError);
    },
  );
});

describe('reviews product id', () => {
  it('accepts what a Java int path parameter accepts', () => {
    expect(parseJavaInt('0')).toBe(0);
    expect(parseJavaInt('007')).toBe(7);
    expect(parseJavaInt('+5')).toBe(5);
    expect(parseJavaInt('-5')).toBe(-5);
    expect(parseJavaInt('2147483647')).toBe(2147483647);
  });

  it.each(['', 'abc', '1.0', '2147483648', ' 1'])('rejects %j', (s) => {
    expect(parseJavaInt(s)).toBeUndefined();
  });
});
