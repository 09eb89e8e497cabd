// The catalogue: one book. productpage always shows product 0.

export interface Product {
  readonly id: number;
  readonly title: string;
  /** Trusted markup, rendered unescaped. */
  readonly descriptionHtml: string;
}

export const PRODUCTS: readonly Product[] = [
  {
    id: 0,
    title: 'The Comedy of Errors',
    descriptionHtml:
      '<a href="https://en.wikipedia.org/wiki/The_Comedy_of_Errors">Wikipedia Summary</a>: ' +
      "The Comedy of Errors is one of <b>William Shakespeare's</b> early plays. It is his " +
      'shortest and one of his most farcical comedies, with a major part of the humour coming ' +
      'from slapstick and mistaken identity, in addition to puns and word play.',
  },
];

export const DEFAULT_PRODUCT_ID = 0;
