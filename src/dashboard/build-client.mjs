// Builds the dashboard page (src/dashboard/client) into dist/dashboard/public, which DashboardModule
// serves at /ui: one script and one stylesheet, bundled and minified, nothing loaded from elsewhere.
// Run by `npm run build` after the server build (which empties dist/ first).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

const client = fileURLToPath(new URL('./client/', import.meta.url));
const out = fileURLToPath(new URL('../../dist/dashboard/public/', import.meta.url));

mkdirSync(out, { recursive: true });
await build({
  entryPoints: { dashboard: `${client}main.tsx` },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome111', 'firefox114', 'safari16.4'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  outdir: out,
  logLevel: 'warning',
});
await build({
  entryPoints: { dashboard: `${client}styles.css` },
  bundle: true,
  minify: true,
  outdir: out,
  logLevel: 'warning',
});
copyFileSync(`${client}index.html`, `${out}index.html`);

const sizes = ['dashboard.js', 'dashboard.css', 'index.html'].map((name) => {
  const bytes = statSync(`${out}${name}`).size;
  const gzipped = gzipSync(readFileSync(`${out}${name}`)).length;
  return `${name} ${(bytes / 1024).toFixed(1)} KiB (${(gzipped / 1024).toFixed(1)} KiB gzipped)`;
});
console.log(`dashboard: ${sizes.join(', ')}`);
