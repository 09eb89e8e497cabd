import { describe, expect, it } from 'vitest';
import { productpageConfig } from '../config.js';
import { jsonTable, renderIndexPage, serviceTree } from './index-html.js';

describe('landing page', () => {
  const html = renderIndexPage(serviceTree(productpageConfig({ SERVICES_DOMAIN: 'ns.svc' })));

  it('shows the services productpage calls', () => {
    expect(html).toContain('<title>Simple Bookstore App</title>');
    expect(html).toContain('<td>http://details.ns.svc:9080</td>');
    expect(html).toContain('<td>http://reviews.ns.svc:9080</td>');
    expect(html).toContain('<td>http://ratings.ns.svc:9080</td>');
  });

  it('links to the product page as a normal user and a tester', () => {
    expect(html).toContain('href="/productpage?u=normal"');
    expect(html).toContain('href="/productpage?u=test"');
  });
});

describe('JSON as a table', () => {
  it('renders an object as key/value rows and a list of objects as a headed table', () => {
    expect(jsonTable({ a: 1, b: [{ x: 'y<' }] })).toBe(
      '<table class="services"><tr><th>a</th><td>1</td></tr><tr><th>b</th><td>' +
        '<table class="services"><thead><tr><th>x</th></tr></thead><tbody><tr><td>y&lt;</td></tr></tbody></table>' +
        '</td></tr></table>',
    );
    expect(jsonTable([])).toBe('');
  });
});
