import { fileURLToPath } from 'node:url';

/**
 * Where `npm run build` writes the page (src/dashboard/build-client.mjs). Two levels up from this
 * file is the package root both from `dist/dashboard/` (the built server) and from `src/dashboard/`
 * (tests run from source), so both serve the one built copy.
 */
export const DASHBOARD_ASSETS_DIR = fileURLToPath(new URL('../../dist/dashboard/public/', import.meta.url));

/** The page's path on the app's port. */
export const DASHBOARD_PATH = 'ui';

/** Content types of the files the build writes. */
export const ASSET_CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** The page itself, served at `/ui`; it names the script and the stylesheet. */
export const DASHBOARD_INDEX = 'index.html';
