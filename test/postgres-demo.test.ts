// `npm run demo -- --db postgres://…` prints the same report as the demo on a SQLite file: the
// same campaigns, days, geography, indicators and messaging, to the last impression.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDbPath } from './helpers/app.ts';
import { dropSchemas, freshSchemaUrl, postgresAvailable } from './helpers/postgres.ts';

import { PAUTA } from './helpers/cli.ts';

afterAll(dropSchemas);

async function demo(db: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [...PAUTA, 'demo', '--db', db], { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/**
 * The report, without the lines that name the database or the sandbox's port, and without times
 * taken or requests made (Google Ads reads its customers at once, and two that meet the same new
 * place id in one window may both look it up).
 */
function reportOf(stdout: string): string {
  return stdout
    .split('\n')
    .filter((line) => !/^sandbox listening on|^\(\d+(\.\d+)? s\)$|^Explore it:|^HTML report:/.test(line))
    .map((line) => line.replace(/, [\d.]+m?s\)$/, ')').replace(/, [\d,]+ request\(s\)/, ''))
    .join('\n');
}

describe.skipIf(!postgresAvailable)(`the demo on PostgreSQL${postgresAvailable ? '' : ' (SKIPPED: no PostgreSQL server)'}`, () => {
  it('prints the same report numbers as on SQLite', async () => {
    const [onSqlite, onPostgres] = await Promise.all([demo(tempDbPath()), demo(freshSchemaUrl('demo'))]);
    const report = reportOf(onPostgres);
    expect(report).toContain('Campañas en YouTube y Twitter');
    expect(report).toMatch(/SMS — Total +[\d,]+ +[\d,]+/);
    expect(report).toBe(reportOf(onSqlite));
    expect(onPostgres).toMatch(/Explore it: psql 'postgres:\/\/[^']*\/test' -c 'SELECT \* FROM pauta_demo_\w+\.indicator_impressions'/);
  });
});
