// Bid Manager quota: 2,000 requests per project per day and 4 queries per second
// (https://developers.google.com/bid-manager/quotas). Each request first takes a slot here:
// requests are spaced at least 250 ms apart, and the day's count is kept in the connector state
// so a source stops cleanly before the project runs dry instead of meeting 429s.
import { DateTime } from 'luxon';
import type { ConnectorContext } from '../types.ts';
import { QuotaExhaustedError } from '../../core/errors.ts';
import { REQUESTS_TODAY } from './state.ts';

const MIN_SPACING_MS = 250;
/** Google's daily quotas reset at midnight Pacific time. */
const QUOTA_ZONE = 'America/Los_Angeles';

/** When each source last sent a request: spacing holds across windows and runs of a process. */
const lastRequestAt = new Map<string, number>();

export class RequestBudget {
  constructor(
    private readonly ctx: ConnectorContext,
    private readonly perDay: number,
  ) {}

  /** Waits for the next slot and counts the request; throws when the day's budget is spent. */
  async take(label: string): Promise<void> {
    const now = this.ctx.now();
    const day = DateTime.fromJSDate(now, { zone: QUOTA_ZONE }).toISODate()!;
    const saved = await this.ctx.state.get(REQUESTS_TODAY);
    const count = saved?.day === day ? saved.count : 0;
    if (count >= this.perDay) {
      throw new QuotaExhaustedError(
        `${label}: ${count} Bid Manager requests already made on ${day} (Pacific time), the configured requests_per_day; the next run continues`,
      );
    }
    const lastAt = lastRequestAt.get(this.ctx.sourceId);
    if (lastAt !== undefined) {
      const wait = lastAt + MIN_SPACING_MS - now.getTime();
      if (wait > 0) await this.ctx.sleep(Math.min(wait, MIN_SPACING_MS));
    }
    lastRequestAt.set(this.ctx.sourceId, this.ctx.now().getTime());
    await this.ctx.state.set(REQUESTS_TODAY, { day, count: count + 1 });
  }

  /** Requests counted today (for `pauta check`). */
  async usedToday(): Promise<number> {
    const day = DateTime.fromJSDate(this.ctx.now(), { zone: QUOTA_ZONE }).toISODate()!;
    const saved = await this.ctx.state.get(REQUESTS_TODAY);
    return saved?.day === day ? saved.count : 0;
  }
}
