import { closeSync, existsSync, fsyncSync, linkSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from './command-line.js';

function existsAlready(path: string): UsageError {
  return new UsageError(`${path} exists already; pass --force to replace it`);
}

/**
 * Output files of the CLIs are written under a temporary name in the target's folder and put in place
 * only once complete, so an interrupted run never leaves a truncated file under the requested name,
 * and an existing file is never replaced unless asked.
 */
export interface OutputFile {
  /** The requested path, absolute. */
  path: string;
  /** Where to write until `publish()`. */
  partial: string;
  /** Makes the written file durable and gives it its name. Throws UsageError if a file appeared there meanwhile (without force). */
  publish(): void;
  /** Removes the temporary file (after a failure). */
  discard(): void;
}

export function prepareOutputFile(requested: string, force: boolean): OutputFile {
  const path = resolve(requested);
  const folder = dirname(path);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new UsageError(`the folder ${folder} does not exist`);
  if (existsSync(path)) {
    if (!force) throw existsAlready(path);
    if (!statSync(path).isFile()) throw new UsageError(`${path} is not a file`);
  }
  const partial = join(folder, `.${basename(path)}.${process.pid}.partial`);
  // Interrupted (Ctrl-C, kill): remove the temporary file, then exit as the signal would have.
  const signals = { SIGINT: 130, SIGTERM: 143 } as const;
  const onSignal = (signal: NodeJS.Signals) => {
    rmSync(partial, { force: true });
    process.exit(signals[signal as keyof typeof signals]);
  };
  for (const signal of Object.keys(signals)) process.once(signal, onSignal);
  const done = () => {
    for (const signal of Object.keys(signals)) process.off(signal, onSignal);
  };
  return {
    path,
    partial,
    publish() {
      done();
      const fd = openSync(partial, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      if (force) {
        renameSync(partial, path);
        return;
      }
      // link() fails if the name is taken, so a file created meanwhile is never replaced.
      try {
        linkSync(partial, path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') throw existsAlready(path);
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV') throw error;
        // A file system without hard links.
        if (existsSync(path)) throw existsAlready(path);
        renameSync(partial, path);
        return;
      }
      rmSync(partial, { force: true });
    },
    discard() {
      done();
      rmSync(partial, { force: true });
    },
  };
}

/** `1234567` → `1.2 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
