// The upstream images the manifests name, and what each one means for this program: which
// app to run and the environment the image would have set. A runtime that maps images to
// local programs runs `node <bookinfoMain> <app> 9080` with this env added.
import type { AppName } from './config.js';

export const BOOKINFO_IMAGE_TAG = '1.20.3';
export const BOOKINFO_REGISTRY = 'registry.istio.io/release';

export interface ImageProgram {
  readonly app: AppName;
  readonly env: Readonly<Record<string, string>>;
}

const image = (name: string): string =>
  `${BOOKINFO_REGISTRY}/examples-bookinfo-${name}:${BOOKINFO_IMAGE_TAG}`;

export const BOOKINFO_IMAGES: Readonly<Record<string, ImageProgram>> = {
  [image('productpage-v1')]: { app: 'productpage', env: { FLOOD_FACTOR: '0' } },
  [image('details-v1')]: {
    app: 'details',
    env: { SERVICE_VERSION: 'v1', ENABLE_EXTERNAL_BOOK_SERVICE: 'false' },
  },
  [image('ratings-v1')]: { app: 'ratings', env: { SERVICE_VERSION: 'v1' } },
  [image('reviews-v1')]: {
    app: 'reviews',
    env: { SERVICE_VERSION: 'v1', ENABLE_RATINGS: 'false', STAR_COLOR: 'black' },
  },
  [image('reviews-v2')]: {
    app: 'reviews',
    env: { SERVICE_VERSION: 'v2', ENABLE_RATINGS: 'true', STAR_COLOR: 'black' },
  },
  [image('reviews-v3')]: {
    app: 'reviews',
    env: { SERVICE_VERSION: 'v3', ENABLE_RATINGS: 'true', STAR_COLOR: 'red' },
  },
};
