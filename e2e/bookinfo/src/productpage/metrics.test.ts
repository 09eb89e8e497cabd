import { describe, expect, it } from 'vitest';
import { RequestResultCounter, goFloat } from './metrics.js';

describe('request_result metric', () => {
  it('lists only HELP and TYPE before any call', () => {
    expect(new RequestResultCounter(() => 0).render()).toBe(
      '# HELP request_result_total Results of requests\n# TYPE request_result_total counter\n',
    );
  });

  it('counts calls per destination and code, with creation times', () => {
    const counter = new RequestResultCounter(() => 1_724_512_345_678);
    counter.inc('details', 200);
    counter.inc('details', 200);
    counter.inc('reviews', 503);
    expect(counter.render()).toBe(
      [
        '# HELP request_result_total Results of requests',
        '# TYPE request_result_total counter',
        'request_result_total{destination_app="details",response_code="200"} 2.0',
        'request_result_total{destination_app="reviews",response_code="503"} 1.0',
        '# HELP request_result_created Results of requests',
        '# TYPE request_result_created gauge',
        'request_result_created{destination_app="details",response_code="200"} 1.724512345678e+09',
        'request_result_created{destination_app="reviews",response_code="503"} 1.724512345678e+09',
        '',
      ].join('\n'),
    );
  });
});

describe('prometheus_client float formatting', () => {
  it.each([
    [0, '0.0'],
    [3, '3.0'],
    [0.25, '0.25'],
    [123456, '123456.0'],
    [1234567, '1.234567e+06'],
    [1000000, '1e+06'],
    [1.7e9, '1.7e+09'],
    [Infinity, '+Inf'],
  ])('%d is %s', (v, s) => {
    expect(goFloat(v)).toBe(s);
  });
});
