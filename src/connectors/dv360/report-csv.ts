// Reading a Bid Manager CSV report, streaming. The file is: a header of display names ("Date",
// "Line Item ID", ...); data rows; a totals row whose dimension cells are empty; a blank line;
// then a footer of `Key:,value` lines (Report Time, Date Range, Group By, filters). An empty
// report is the line "No data returned by the reporting service." Dates read 2021/09/01.
// https://developers.google.com/bid-manager/guides/get-started/generate-report
import type { Readable } from 'node:stream';
import { CsvHeaderError, columnIndex, readCsv, type CsvRecord } from '../../core/csv.ts';
import { PayloadError } from '../../core/errors.ts';
import type { IsoDate } from '../../core/dates.ts';

export const NO_DATA = 'No data returned by the reporting service.';

/** Display names of the query's dimensions and metrics, as they head the CSV columns. */
const COLUMNS = {
  date: ['Date'],
  advertiserId: ['Advertiser ID'],
  advertiserName: ['Advertiser'],
  advertiserTimeZone: ['Advertiser Time Zone'],
  insertionOrderId: ['Insertion Order ID'],
  insertionOrderName: ['Insertion Order'],
  lineItemId: ['Line Item ID'],
  lineItemName: ['Line Item'],
  lineItemType: ['Line Item Type'],
  country: ['Country'],
  regionId: ['Region ID'],
  regionName: ['Region'],
  impressions: ['Impressions'],
  clicks: ['Clicks'],
} as const;

type Column = keyof typeof COLUMNS;

const OPTIONAL: readonly Column[] = ['advertiserName', 'advertiserTimeZone', 'insertionOrderName', 'regionId', 'regionName', 'clicks'];
const DIMENSIONS: readonly Column[] = [
  'date', 'advertiserId', 'advertiserName', 'advertiserTimeZone', 'insertionOrderId', 'insertionOrderName',
  'lineItemId', 'lineItemName', 'lineItemType', 'country', 'regionId', 'regionName',
];

export interface ReportRow {
  /** Line of the CSV file, for error messages. */
  line: number;
  date: IsoDate;
  advertiserId: string;
  advertiserName: string;
  advertiserTimeZone: string;
  insertionOrderId: string;
  insertionOrderName: string;
  lineItemId: string;
  lineItemName: string;
  lineItemType: string;
  /** As the report writes it: `US`, `UK`, `Unknown`… */
  country: string;
  regionId: string;
  regionName: string;
  impressions: number;
  clicks: number | null;
}

const isNoData = (cells: readonly string[]) => cells[0]?.trim() === NO_DATA;

const SLASH_DATE = /^(\d{4})[/-](\d{2})[/-](\d{2})$/;

function parseDate(cell: string, line: number): IsoDate {
  const m = SLASH_DATE.exec(cell.trim());
  if (!m) throw new PayloadError(`report line ${line}: column "Date": expected a date like 2021/09/01, got "${cell}"`);
  return `${m[1]}-${m[2]}-${m[3]}`;
}

function parseCount(cell: string, column: string, line: number): number {
  const text = cell.trim();
  if (!/^\d+$/.test(text)) throw new PayloadError(`report line ${line}: column "${column}": expected a whole number, got "${cell}"`);
  return Number(text);
}

/** The report's data rows, one at a time; the totals row and the footer are not data. */
export async function* readBidManagerReport(body: Readable | string): AsyncGenerator<ReportRow> {
  const records = readCsv(body, { stopAtBlankLine: true });
  try {
    const header = await records.next();
    if (header.done || isNoData(header.value.cells)) return;
    // Some empty reports keep the header above the no-data line: check before reading the header.
    const second = await records.next();
    if (second.done || isNoData(second.value.cells)) return;
    let at: Record<Column, number>;
    try {
      at = columnIndex(header.value.cells, COLUMNS, OPTIONAL);
    } catch (e) {
      if (e instanceof CsvHeaderError) throw new PayloadError(`report header: ${e.message}`);
      throw e;
    }
    if (at.regionId === -1 && at.regionName === -1) throw new PayloadError('report header: missing column "Region" (or "Region ID")');
    const cell = (cells: string[], c: Column): string => (at[c] === -1 ? '' : (cells[at[c]] ?? '').trim());

    for (let next: IteratorResult<CsvRecord> = second; !next.done; next = await records.next()) {
      const { cells, line } = next.value;
      if (isNoData(cells)) return;
      // The totals row: every dimension cell empty, the metrics summed.
      if (DIMENSIONS.every((c) => cell(cells, c) === '')) continue;
      const clicks = cell(cells, 'clicks');
      yield {
        line,
        date: parseDate(cell(cells, 'date'), line),
        advertiserId: cell(cells, 'advertiserId'),
        advertiserName: cell(cells, 'advertiserName'),
        advertiserTimeZone: cell(cells, 'advertiserTimeZone'),
        insertionOrderId: cell(cells, 'insertionOrderId'),
        insertionOrderName: cell(cells, 'insertionOrderName'),
        lineItemId: cell(cells, 'lineItemId'),
        lineItemName: cell(cells, 'lineItemName'),
        lineItemType: cell(cells, 'lineItemType'),
        country: cell(cells, 'country'),
        regionId: cell(cells, 'regionId'),
        regionName: cell(cells, 'regionName'),
        impressions: parseCount(cell(cells, 'impressions'), 'Impressions', line),
        clicks: at.clicks === -1 || clicks === '' ? null : parseCount(clicks, 'Clicks', line),
      };
    }
  } catch (e) {
    // csv-parse's own errors (an unclosed quote...) carry a CSV_* code.
    if (typeof (e as { code?: unknown }).code === 'string' && String((e as { code: string }).code).startsWith('CSV_')) {
      throw new PayloadError(`report CSV: ${(e as Error).message}`);
    }
    throw e;
  } finally {
    await records.return(undefined);
  }
}
