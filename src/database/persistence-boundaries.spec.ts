import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The one file allowed to reach into the modules' persistence folders: it composes their table types. */
const SCHEMA_COMPOSITION = join('database', 'database.schema.ts');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [relative(SRC, path)] : [];
  });
}

/** The module (top folder of src) whose persistence folder `path` is in (`agents` for `agents/remote/persistence`), or undefined. */
function persistenceOwner(path: string): string | undefined {
  const parts = path.split(sep);
  return parts.indexOf('persistence') > 0 ? parts[0] : undefined;
}

function relativeImports(source: string): string[] {
  return [...source.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
}

describe('persistence boundaries', () => {
  const files = sourceFiles(SRC);

  it('no module imports another module’s persistence folder (the table types composed into Database aside)', () => {
    const crossings: string[] = [];
    for (const file of files) {
      for (const specifier of relativeImports(readFileSync(join(SRC, file), 'utf8'))) {
        const target = relative(SRC, resolve(SRC, dirname(file), specifier));
        const owner = persistenceOwner(target);
        if (owner === undefined) continue;
        const inside = file.startsWith(owner + sep);
        const composedTables = file === SCHEMA_COMPOSITION && target.endsWith('.tables.js');
        if (!inside && !composedTables) crossings.push(`${file} -> ${target}`);
      }
    }
    expect(crossings).toEqual([]);
  });

  it('the connection and the migrations live in src/database only', () => {
    const outside = files.filter(
      (file) => !file.startsWith(`database${sep}`) && /(^|[\\/])(migrations|open-sqlite-database|database\.provider)([\\/.]|$)/.test(file),
    );
    expect(outside).toEqual([]);
  });
});
