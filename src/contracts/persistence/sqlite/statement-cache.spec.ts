import Database from 'better-sqlite3';
import { StatementCachingDatabase } from './statement-cache.js';

describe('StatementCachingDatabase', () => {
  it('reuses prepared statements and evicts the least recently used beyond its capacity', () => {
    const sqlite = new Database(':memory:');
    const db = new StatementCachingDatabase(sqlite, 2);
    const a = db.prepare('select 1 as x');
    expect(db.prepare('select 1 as x')).toBe(a);
    const b = db.prepare('select 2 as x');
    db.prepare('select 1 as x'); // a is now the most recently used
    db.prepare('select 3 as x'); // evicts b
    expect(db.size).toBe(2);
    expect(db.prepare('select 1 as x')).toBe(a);
    expect(db.prepare('select 2 as x')).not.toBe(b);
    expect(a.all([])).toEqual([{ x: 1 }]);
    db.close();
    expect(sqlite.open).toBe(false);
    db.close(); // idempotent
  });
});
