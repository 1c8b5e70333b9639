import Database from 'better-sqlite3';
import { StatementCachingDatabase } from './statement-cache.js';

describe('StatementCachingDatabase', () => {
  it('reuses prepared statements and evicts the oldest beyond its capacity', () => {
    const sqlite = new Database(':memory:');
    const db = new StatementCachingDatabase(sqlite, 2);
    const a = db.prepare('select 1 as x');
    expect(db.prepare('select 1 as x')).toBe(a);
    const b = db.prepare('select 2 as x');
    const c = db.prepare('select 3 as x'); // evicts a
    expect(db.size).toBe(2);
    expect(db.prepare('select 2 as x')).toBe(b);
    expect(db.prepare('select 3 as x')).toBe(c);
    const again = db.prepare('select 1 as x'); // prepared again, evicts b
    expect(again).not.toBe(a);
    expect(again.all([])).toEqual([{ x: 1 }]);
    expect(db.prepare('select 3 as x')).toBe(c);
    db.close();
    expect(sqlite.open).toBe(false);
    db.close(); // idempotent
  });
});
