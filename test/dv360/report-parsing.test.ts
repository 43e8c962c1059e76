// The streaming CSV helper (src/core/csv.ts) and the Bid Manager report reader on their own.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { columnIndex, readCsv, toCsvLine } from '../../src/core/csv.ts';
import { channelOf, isSelected, resolveRegion } from '../../src/connectors/dv360/mapping.ts';
import { readBidManagerReport } from '../../src/connectors/dv360/report-csv.ts';
import { PayloadError } from '../../src/core/errors.ts';
import { fixture } from './bid-manager-mock.ts';

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('readCsv (streaming)', () => {
  it('handles quoted commas, doubled quotes, line breaks in cells, a BOM and CRLF, across chunk boundaries', async () => {
    const text = '\uFEFFname,count\r\n"Smith, J.","12"\r\n"say ""hi""\nthere",3\r\n';
    // One byte per chunk: records must not depend on where the network splits the stream.
    const chunks = Readable.from([...Buffer.from(text)].map((b) => Buffer.from([b])));
    const records = await all(readCsv(chunks));
    expect(records.map((r) => r.cells)).toEqual([
      ['name', 'count'],
      ['Smith, J.', '12'],
      ['say "hi"\nthere', '3'],
    ]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 4]);
  });

  it('stops at the first blank line when asked (a footer follows), and reads rows of any length', async () => {
    const records = await all(readCsv('a,b,c\n1,2,3\n\nReport Time:,x\n', { stopAtBlankLine: true }));
    expect(records.map((r) => r.cells)).toEqual([['a', 'b', 'c'], ['1', '2', '3']]);
    const everything = await all(readCsv('a,b,c\n\nReport Time:,x\n'));
    expect(everything.map((r) => r.cells)).toEqual([['a', 'b', 'c'], [''], ['Report Time:', 'x']]);
  });

  it('finds columns by any of their names and says which are missing', () => {
    expect(columnIndex(['Date', ' Impressions '], { date: ['Date'], impressions: ['impressions'] })).toEqual({ date: 0, impressions: 1 });
    expect(() => columnIndex(['Date'], { date: ['Date'], impressions: ['Impressions'] })).toThrow('missing column "Impressions" (the header has "Date")');
  });

  it('writes RFC 4180 lines that it reads back', async () => {
    const line = toCsvLine(['Display, "Exterior"', 12, 'plain']);
    expect(line).toBe('"Display, ""Exterior""",12,plain');
    expect((await all(readCsv(line)))[0]!.cells).toEqual(['Display, "Exterior"', '12', 'plain']);
  });
});

describe('readBidManagerReport', () => {
  it('yields the data rows only: not the header, the totals row or the footer', async () => {
    const rows = await all(readBidManagerReport(fixture('report-2021-09-01.csv')));
    expect(rows).toHaveLength(11);
    expect(rows.reduce((s, r) => s + r.impressions, 0)).toBe(2465);
    expect(rows[0]).toMatchObject({ line: 2, date: '2021-09-01', lineItemId: '5100001', country: 'US', regionName: 'California', regionId: '21137', clicks: 3 });
  });

  it('reads "No data returned by the reporting service." as no rows, alone or under a header', async () => {
    expect(await all(readBidManagerReport(fixture('report-empty.csv')))).toEqual([]);
    expect(await all(readBidManagerReport('Date,Impressions\nNo data returned by the reporting service.\n'))).toEqual([]);
  });

  it('names the line and column of a cell it cannot read', async () => {
    const csv = fixture('report-2021-09-01.csv').replace('California,700,3', 'California,7O0,3');
    await expect(all(readBidManagerReport(csv))).rejects.toThrow(new PayloadError('report line 2: column "Impressions": expected a whole number, got "7O0"'));
    const badDate = fixture('report-2021-09-01.csv').replace('2021/09/02', '09/02/2021');
    await expect(all(readBidManagerReport(badDate))).rejects.toThrow(/report line 11: column "Date": expected a date like 2021\/09\/01/);
  });

  it('an unclosed quote is a payload error, not a crash', async () => {
    await expect(all(readBidManagerReport('Date,Line Item\n2021/09/01,"open\n'))).rejects.toBeInstanceOf(PayloadError);
  });
});

describe('mapping helpers', () => {
  it('line item types → channels', () => {
    expect(channelOf('Display')).toBe('display');
    expect(channelOf('Video')).toBe('video');
    expect(channelOf('Over-the-top')).toBe('video');
    expect(channelOf('YouTube & partners')).toBe('youtube');
    expect(channelOf('TrueView')).toBe('youtube');
    expect(channelOf('Audio')).toBe('other');
  });

  it('regions: by name, then by the configured id table; Unknown and unmapped stay ""', () => {
    expect(resolveRegion('US', 'California', '21137', undefined)).toBe('US-CA');
    expect(resolveRegion('CA', 'Quebec', '', undefined)).toBe('CA-QC');
    expect(resolveRegion('US', 'Unknown', 'Unknown', undefined)).toBe('');
    expect(resolveRegion('GB', 'England', '20339', undefined)).toBe('');
    expect(resolveRegion('GB', 'England', '20339', { '20339': 'GB-ENG' })).toBe('GB-ENG');
    // An id mapped to another country's region is not trusted.
    expect(resolveRegion('US', 'Somewhere', '1', { '1': 'CA-ON' })).toBe('');
  });

  it('a selection matches by id or by name pattern; none matches everything', () => {
    expect(isSelected(undefined, '1', 'x')).toBe(true);
    expect(isSelected({ ids: ['1'] }, '1', 'x')).toBe(true);
    expect(isSelected({ ids: ['1'] }, '2', 'x')).toBe(false);
    expect(isSelected({ name_pattern: '^youtube' }, '2', 'YouTube — Norteamérica')).toBe(true);
  });
});
