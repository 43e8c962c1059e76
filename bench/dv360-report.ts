// A Bid Manager report is parsed as it downloads: memory must not grow with the report. Parses
// a generated report of 20k and of 400k rows, streamed, and the 400k one read whole first, and
// prints the ratios of their peak live heap (measured after a collection every 10,000 rows).
import { Readable } from 'node:stream';
import { readBidManagerReport } from '../src/connectors/dv360/report-csv.ts';

const HEADER = 'Date,Advertiser ID,Advertiser Time Zone,Insertion Order ID,Line Item ID,Line Item,Line Item Type,Country,Region ID,Region,Impressions,Clicks';

function* reportLines(rows: number): Generator<string> {
  yield `${HEADER}\n`;
  for (let i = 0; i < rows; i += 1) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    yield `2021/09/${day},4455667,America/Chicago,77001,${5100000 + (i % 500)},"Display, programática ${i % 500}",Display,US,${21100 + (i % 50)},California,${100 + (i % 900)},${i % 7}\n`;
  }
  yield `,,,,,,,,,,${rows * 500},0\n\nReport Time:,2022/01/15 10:00\nDate Range:,2021/09/01 to 2021/09/28\n`;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function peakGrowth(source: () => Readable | string): Promise<{ rows: number; peakMb: number }> {
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = 0;
  let rows = 0;
  const input = source();
  if (typeof input === 'string') peak = process.memoryUsage().heapUsed - base;
  for await (const _row of readBidManagerReport(input)) {
    rows += 1;
    // Live memory, measured after a collection, at every 10,000th row.
    if (rows % 10_000 === 0) {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed - base);
    }
  }
  return { rows, peakMb: peak / 2 ** 20 };
}

export async function benchDv360Report(): Promise<string[]> {
  const small = await peakGrowth(() => Readable.from(reportLines(20_000)));
  const large = await peakGrowth(() => Readable.from(reportLines(400_000)));
  const whole = await peakGrowth(() => [...reportLines(400_000)].join(''));
  const note = (globalThis as { gc?: unknown }).gc ? '' : ' (run with --expose-gc for steadier numbers)';
  return [
    `streamed ${small.rows} rows: peak heap +${small.peakMb.toFixed(1)} MiB; ${large.rows} rows: +${large.peakMb.toFixed(1)} MiB${note}`,
    `peak heap, 20× the rows streamed ÷ 1×: ${(large.peakMb / small.peakMb).toFixed(2)}× (does not grow with the report: ≤ about 1)`,
    `peak heap, 400k rows read whole first ÷ streamed: ${(whole.peakMb / large.peakMb).toFixed(1)}×`,
  ];
}
