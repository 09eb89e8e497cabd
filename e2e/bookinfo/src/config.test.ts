import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  parseInvocation,
  productpageConfig,
  ratingsConfig,
  reviewsConfig,
  serviceBaseUrl,
} from './config.js';

describe('invocation', () => {
  it('takes the app and an optional port, 9080 by default', () => {
    expect(parseInvocation(['reviews'])).toEqual({ app: 'reviews', port: 9080 });
    expect(parseInvocation(['productpage', '9081'])).toEqual({ app: 'productpage', port: 9081 });
  });

  it.each([[[]], [['web']], [['details', 'http']], [['details', '70000']]])(
    'refuses %j with a usage message',
    (args) => {
      expect(() => parseInvocation(args)).toThrow(ConfigError);
    },
  );
});

describe('service addresses', () => {
  it('default to the Service names on 9080', () => {
    expect(productpageConfig({})).toEqual({
      detailsUrl: 'http://details:9080',
      reviewsUrl: 'http://reviews:9080',
      ratingsUrl: 'http://ratings:9080',
      floodFactor: 0,
    });
  });

  it('follow *_HOSTNAME, SERVICES_DOMAIN and *_SERVICE_PORT', () => {
    const env = {
      DETAILS_HOSTNAME: 'details-v1',
      SERVICES_DOMAIN: 'bookinfo.svc.cluster.local',
      DETAILS_SERVICE_PORT: '19080',
      RATINGS_HOSTNAME: '127.0.0.1',
    };
    expect(serviceBaseUrl(env, 'details')).toBe(
      'http://details-v1.bookinfo.svc.cluster.local:19080',
    );
    expect(serviceBaseUrl(env, 'reviews')).toBe('http://reviews.bookinfo.svc.cluster.local:9080');
    expect(reviewsConfig(env).ratingsUrl).toBe('http://127.0.0.1.bookinfo.svc.cluster.local:9080');
  });

  it('keep the dot of a set but empty SERVICES_DOMAIN, as upstream does', () => {
    expect(serviceBaseUrl({ SERVICES_DOMAIN: '' }, 'ratings')).toBe('http://ratings.:9080');
  });
});

describe('productpage flooding', () => {
  it('reads FLOOD_FACTOR as an integer', () => {
    expect(productpageConfig({ FLOOD_FACTOR: '100' }).floodFactor).toBe(100);
    expect(() => productpageConfig({ FLOOD_FACTOR: 'lots' })).toThrow(ConfigError);
  });
});

describe('reviews settings', () => {
  it('match the v1 image: no ratings, black stars', () => {
    expect(reviewsConfig({ ENABLE_RATINGS: 'false', HOSTNAME: 'reviews-v1-abc' }, 'host')).toEqual({
      ratingsEnabled: false,
      starColor: 'black',
      ratingsUrl: 'http://ratings:9080',
      podname: 'reviews-v1-abc',
      clustername: 'null',
      logDir: undefined,
    });
  });

  it('enable ratings only for "true" in any case, as Java Boolean.valueOf', () => {
    expect(reviewsConfig({ ENABLE_RATINGS: 'TRUE' }).ratingsEnabled).toBe(true);
    expect(reviewsConfig({ ENABLE_RATINGS: 'yes' }).ratingsEnabled).toBe(false);
    expect(reviewsConfig({}).ratingsEnabled).toBe(false);
  });

  it('take star colour, cluster name and log dir from the environment', () => {
    const c = reviewsConfig({ STAR_COLOR: 'red', CLUSTER_NAME: 'east', LOG_DIR: '/tmp/logs' });
    expect([c.starColor, c.clustername, c.logDir]).toEqual(['red', 'east', '/tmp/logs']);
  });

  it('name the pod after the host when HOSTNAME is unset', () => {
    expect(reviewsConfig({}, 'node-1').podname).toBe('node-1');
  });
});

describe('ratings settings', () => {
  it('default to v1', () => {
    expect(ratingsConfig({})).toEqual({ serviceVersion: 'v1' });
    expect(ratingsConfig({ SERVICE_VERSION: 'v-delayed' })).toEqual({
      serviceVersion: 'v-delayed',
    });
  });
});
