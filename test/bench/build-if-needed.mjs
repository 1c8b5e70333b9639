// `npm run bench` builds only when dist/ is missing or older than what it is built from, so that a
// quick run right after a build does not spend its time compiling.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './server.mjs';

const INPUTS = ['src', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json'];

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Runs `npm run build` unless dist/main.js is newer than every input. Returns whether it built. */
export function buildIfNeeded() {
  const main = join(ROOT, 'dist', 'main.js');
  const inputs = Math.max(...INPUTS.map((p) => join(ROOT, p)).filter(existsSync).map(newestMtime));
  if (existsSync(main) && statSync(main).mtimeMs >= inputs) return false;
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  return true;
}
