// Bid Manager quota: 2,000 requests per project per day and 4 queries per second
// (https://developers.google.com/bid-manager/quotas). Each request first takes a slot here:
// requests are spaced at least 250 ms apart, and the day's count is kept in the connector state
// so a source stops cleanly before the project runs dry instead of meeting 429s.
import { DateTime } from 'luxon';
import { z } from 'zod';
import { isoDate } from '../../config/fields.ts';
import { stateKey } from '../state.ts';
import type { ConnectorContext } from '../types.ts';
import { QuotaExhaustedError } from '../../core/errors.ts';

/** Connector state: Bid Manager requests made on one day (Pacific time), against `requests_per_day`. */
const REQUESTS_TODAY = stateKey('bid_manager_requests', z.object({ day: isoDate, count: z.number().int().nonnegative() }));

const MIN_SPACING_MS = 250;
/** Google's daily quotas reset at midnight Pacific time. */
const QUOTA_ZONE = 'America/Los_Angeles';

/** One per session: every request of the run, whatever window it is for, takes its slot here. */
export class RequestBudget {
  private lastRequestAt: number | undefined;
  /** Slots are handed out one at a time, so requests of windows fetched at once stay spaced and counted. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: Pick<ConnectorContext, 'now' | 'sleep' | 'state'>,
    private readonly perDay: number,
  ) {}

  /** Waits for the next slot and counts the request; throws when the day's budget is spent. */
  take(label: string): Promise<void> {
    const slot = this.queue.then(() => this.takeNow(label));
    this.queue = slot.catch(() => undefined);
    return slot;
  }

  private async takeNow(label: string): Promise<void> {
    const now = this.ctx.now();
    const day = DateTime.fromJSDate(now, { zone: QUOTA_ZONE }).toISODate()!;
    const saved = await this.ctx.state.get(REQUESTS_TODAY);
    const count = saved?.day === day ? saved.count : 0;
    if (count >= this.perDay) {
      throw new QuotaExhaustedError(
        `${label}: ${count} Bid Manager requests already made on ${day} (Pacific time), the configured requests_per_day; the next run continues`,
      );
    }
    if (this.lastRequestAt !== undefined) {
      const wait = this.lastRequestAt + MIN_SPACING_MS - now.getTime();
      if (wait > 0) await this.ctx.sleep(Math.min(wait, MIN_SPACING_MS));
    }
    this.lastRequestAt = this.ctx.now().getTime();
    await this.ctx.state.set(REQUESTS_TODAY, { day, count: count + 1 });
  }
}
