// Public surface for the e2e suites: manifest paths, the image → program table, and a way
// to run the services in-process.
export { bookinfoMain, bookinfoManifests, type BookinfoManifest } from './manifests.js';
export {
  BOOKINFO_IMAGES,
  BOOKINFO_IMAGE_TAG,
  BOOKINFO_REGISTRY,
  type ImageProgram,
} from './images.js';
export { APP_NAMES, type AppName, type Env } from './config.js';
export { startBookinfoService, type StartOptions } from './services.js';
export type { RunningServer } from './shared/http-server.js';
