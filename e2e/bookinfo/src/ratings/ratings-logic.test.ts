import { describe, expect, it } from 'vitest';
import {
  DATABASE_UNREACHABLE_BODY,
  INVALID_RATINGS_BODY,
  NON_NUMERIC_ID_BODY,
  POST_NOT_IMPLEMENTED_BODY,
  RATINGS_HEALTHY_BODY,
  RATINGS_UNHEALTHY_BODY,
  RatingsStore,
  UNAVAILABLE_BODY,
  UNAVAILABLE_TOGGLE_MS,
  UNHEALTHY_TOGGLE_MS,
  decideGet,
  isHealthy,
  ratingsMode,
  ratingsProductId,
} from './ratings-logic.js';

describe('ratings bodies', () => {
  it('gives both reviewers their default stars, byte for byte', () => {
    expect(new RatingsStore().get(0)).toBe('{"id":0,"ratings":{"Reviewer1":5,"Reviewer2":4}}');
  });

  it('has the upstream error and health texts', () => {
    expect(NON_NUMERIC_ID_BODY).toBe('{"error":"please provide numeric product ID"}');
    expect(INVALID_RATINGS_BODY).toBe('{"error":"please provide valid ratings JSON"}');
    expect(UNAVAILABLE_BODY).toBe('{"error":"Service unavailable"}');
    expect(POST_NOT_IMPLEMENTED_BODY).toBe(
      '{"error":"Post not implemented for database backed ratings"}',
    );
    expect(DATABASE_UNREACHABLE_BODY).toBe('{"error":"could not connect to ratings database"}');
    expect(RATINGS_HEALTHY_BODY).toBe('{"status":"Ratings is healthy"}');
    expect(RATINGS_UNHEALTHY_BODY).toBe('{"status":"Ratings is not healthy"}');
  });

  it('serves POSTed ratings for that product only, replacing the defaults', () => {
    const store = new RatingsStore();
    expect(store.put(3, { Reviewer1: 1, Reviewer2: 2 })).toBe(
      '{"id":3,"ratings":{"Reviewer1":1,"Reviewer2":2}}',
    );
    expect(store.get(3)).toBe('{"id":3,"ratings":{"Reviewer1":1,"Reviewer2":2}}');
    expect(store.get(4)).toBe('{"id":4,"ratings":{"Reviewer1":5,"Reviewer2":4}}');
  });
});

describe('ratings product id', () => {
  it('parses the last segment with parseInt semantics', () => {
    expect(ratingsProductId('/ratings/0')).toBe(0);
    expect(ratingsProductId('/ratings/17')).toBe(17);
    expect(ratingsProductId('/ratings/7abc')).toBe(7);
    expect(ratingsProductId('/ratings/-2')).toBe(-2);
    expect(ratingsProductId('/ratings/abc')).toBeNaN();
    expect(ratingsProductId('/ratings/')).toBeNaN();
  });
});

describe('ratings fault modes', () => {
  it('maps SERVICE_VERSION to a mode, unknown versions behaving like v1', () => {
    expect(ratingsMode('v1')).toBe('memory');
    expect(ratingsMode('v2')).toBe('database');
    expect(ratingsMode('v-faulty')).toBe('faulty');
    expect(ratingsMode('v-delayed')).toBe('delayed');
    expect(ratingsMode('v-unavailable')).toBe('unavailable');
    expect(ratingsMode('v-unhealthy')).toBe('unhealthy');
    expect(ratingsMode('v9')).toBe('memory');
  });

  it('v1 always answers', () => {
    expect(decideGet('memory', 0, 0)).toBe('answer');
    expect(decideGet('memory', 10 * UNAVAILABLE_TOGGLE_MS, 0.1)).toBe('answer');
  });

  it('v-faulty fails half the draws with 503', () => {
    expect(decideGet('faulty', 0, 0.5)).toBe('unavailable');
    expect(decideGet('faulty', 0, 0.51)).toBe('answer');
  });

  it('v-delayed delays half the draws', () => {
    expect(decideGet('delayed', 0, 0.2)).toBe('delay-then-answer');
    expect(decideGet('delayed', 0, 0.9)).toBe('answer');
  });

  it('v-unavailable starts available and flips every minute', () => {
    expect(decideGet('unavailable', 0, 0)).toBe('answer');
    expect(decideGet('unavailable', UNAVAILABLE_TOGGLE_MS - 1, 0)).toBe('answer');
    expect(decideGet('unavailable', UNAVAILABLE_TOGGLE_MS, 0)).toBe('unavailable');
    expect(decideGet('unavailable', 2 * UNAVAILABLE_TOGGLE_MS, 0)).toBe('answer');
  });

  it('v-unhealthy flips health and availability together every 15 minutes', () => {
    expect(isHealthy('unhealthy', 0)).toBe(true);
    expect(decideGet('unhealthy', 0, 0)).toBe('answer');
    expect(isHealthy('unhealthy', UNHEALTHY_TOGGLE_MS)).toBe(false);
    expect(decideGet('unhealthy', UNHEALTHY_TOGGLE_MS, 0)).toBe('unavailable');
    expect(isHealthy('unavailable', UNAVAILABLE_TOGGLE_MS)).toBe(true);
  });

  it('v2 goes to its database', () => {
    expect(decideGet('database', 0, 0.9)).toBe('database');
  });
});
