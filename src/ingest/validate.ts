// The runner's own check of what a connector yields: a connector bug must fail its window,
// never reach the database (invariant 6, docs/ARCHITECTURE.md).
import { z } from 'zod';
import { CHANNELS, type CampaignDay } from '../core/records.ts';
import type { DateWindow } from '../core/dates.ts';
import { PayloadError } from '../core/errors.ts';
import { formatPath } from '../config/load.ts';

const count = z.number().int().nonnegative();

const campaignDaySchema = z.object({
  date: z.iso.date(),
  accountId: z.string().min(1),
  campaignId: z.string().min(1),
  campaignName: z.string(),
  channel: z.enum(CHANNELS),
  impressions: count,
  clicks: count.nullish(),
  videoViews: count.nullish(),
  costMicros: z.number().int().nonnegative().nullish(),
  geoMethod: z.string().min(1),
  geo: z.array(
    z.object({
      country: z.string().regex(/^[A-Z]{2}$/, { message: 'expected an ISO 3166-1 alpha-2 country' }),
      region: z.string().regex(/^$|^[A-Z]{2}-[A-Z0-9]{1,3}$/, { message: 'expected an ISO 3166-2 region or ""' }),
      impressions: count,
    }),
  ),
});

export function validateDay(day: CampaignDay, window: DateWindow): CampaignDay {
  const parsed = campaignDaySchema.safeParse(day);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new PayloadError(`campaign ${day.campaignId ?? '?'} on ${day.date ?? '?'}: ${formatPath(i.path)}: ${i.message}`);
  }
  for (const g of day.geo) {
    if (g.region !== '' && !g.region.startsWith(`${g.country}-`)) {
      throw new PayloadError(`campaign ${day.campaignId} on ${day.date}: region ${g.region} is not in country ${g.country}`);
    }
  }
  if (day.date < window.from || day.date > window.to) {
    throw new PayloadError(`campaign ${day.campaignId}: date ${day.date} is outside the window ${window.from}..${window.to}`);
  }
  return day;
}
