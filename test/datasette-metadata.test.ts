// The Datasette metadata shipped in datasette/metadata.yaml describes the analysts' views: every
// view the database has, and exactly the columns each one has, so it cannot drift from the schema.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../src/store/store.ts';
import { openTestStore } from './helpers/app.ts';

const FILE = path.join(import.meta.dirname, '../datasette/metadata.yaml');

interface TableMetadata {
  description?: string;
  columns?: Record<string, string>;
}
interface Metadata {
  title?: string;
  databases?: Record<string, { tables?: Record<string, TableMetadata> }>;
}

let store: Store;
let views: Map<string, string[]>;
beforeAll(async () => {
  store = await openTestStore();
  const names = await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name`.execute(store.db);
  views = new Map();
  for (const { name } of names.rows) {
    const columns = await sql<{ name: string }>`SELECT name FROM pragma_table_info(${name}) ORDER BY cid`.execute(store.db);
    views.set(name, columns.rows.map((c) => c.name));
  }
});
afterAll(async () => {
  await store.close();
});

describe('datasette/metadata.yaml', () => {
  const metadata = parse(readFileSync(FILE, 'utf8')) as Metadata;

  it('describes the default database and the demo\'s, with the same views', () => {
    expect(Object.keys(metadata.databases ?? {})).toEqual(['pauta', 'demo']);
    expect(metadata.databases!.demo!.tables).toEqual(metadata.databases!.pauta!.tables);
    expect(metadata.title).toBeTruthy();
  });

  it('names every view of a migrated database, and exactly its columns, in order', () => {
    expect([...views.keys()]).toEqual(['impressions_daily', 'indicator_impressions', 'indicator_messaging', 'ingest_runs', 'messaging_daily']);
    const tables = metadata.databases!.pauta!.tables!;
    expect(Object.keys(tables).sort()).toEqual([...views.keys()]);
    for (const [view, columns] of views) {
      expect(Object.keys(tables[view]!.columns ?? {}), view).toEqual(columns);
    }
  });

  it('gives every view a description and every column a description with its unit or form', () => {
    for (const [view, table] of Object.entries(metadata.databases!.pauta!.tables!)) {
      expect(table.description, view).toMatch(/\w{3,}/);
      for (const [column, text] of Object.entries(table.columns ?? {})) {
        expect(typeof text, `${view}.${column}`).toBe('string');
        expect(text.length, `${view}.${column}`).toBeGreaterThan(8);
      }
    }
    const columns = metadata.databases!.pauta!.tables!;
    // Counts, percentages, days and instants say so.
    expect(columns.impressions_daily!.columns!.impressions).toContain('a count');
    expect(columns.indicator_impressions!.columns!.pct).toContain('percent');
    expect(columns.messaging_daily!.columns!.date).toContain('YYYY-MM-DD');
    expect(columns.ingest_runs!.columns!.started_at).toContain('UTC timestamp, ISO 8601');
  });
});
