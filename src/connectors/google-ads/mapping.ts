// searchStream rows → pauta's CampaignDays. Rows arrive as google-ads-api parses them: snake_case
// keys, enums as numbers, int64 as numbers, `segments.date` as YYYY-MM-DD, geo segments as
// `geoTargetConstants/{id}`. The library's typings don't describe that runtime shape, so every
// row is checked here and a row pauta cannot read fails its window naming the field.
import { enums } from 'google-ads-api/enums';
import { z } from 'zod';
import type { CampaignDay, Channel } from '../../core/records.ts';
import { formatPath } from '../../config/load.ts';
import { PayloadError } from '../../core/errors.ts';
import type { GeoSelection } from './config.ts';
import type { GoogleAdsRow } from './client.ts';

const count = z.number().int().nonnegative();
const id = z.number().int().positive();
const isoDate = z.iso.date();
const geoTargetConstant = z.string().regex(/^geoTargetConstants\/\d+$/, { message: 'expected geoTargetConstants/{id}' });

/** A missing message (`metrics` absent altogether) is reported by the field that was needed. */
function message<T extends z.ZodRawShape>(shape: T) {
  return z.preprocess((v) => v ?? {}, z.object(shape));
}

const customerRow = z.object({
  customer: message({
    id,
    descriptive_name: z.string().optional(),
    time_zone: z.string().min(1),
    currency_code: z.string().optional(),
    manager: z.boolean().optional(),
    status: z.number().int().optional(),
  }),
});

const campaignDayRow = z.object({
  campaign: message({ id, name: z.string(), advertising_channel_type: z.number().int() }),
  segments: message({ date: isoDate }),
  metrics: message({
    impressions: count,
    clicks: count.optional(),
    cost_micros: count.optional(),
    video_trueview_views: count.optional(),
  }),
});

const geoCommon = {
  campaign: message({ id }),
  metrics: message({ impressions: count }),
};

const userLocationRow = z.object({
  ...geoCommon,
  segments: message({ date: isoDate, geo_target_region: geoTargetConstant.optional() }),
  user_location_view: message({ country_criterion_id: id.optional(), targeting_location: z.boolean().optional() }),
});

const geographicRow = z.object({
  ...geoCommon,
  segments: message({ date: isoDate, geo_target_region: geoTargetConstant.optional() }),
  geographic_view: message({ country_criterion_id: id.optional(), location_type: z.number().int() }),
});

const geoTargetConstantRow = z.object({
  geo_target_constant: message({
    id,
    name: z.string(),
    country_code: z.string().optional(),
    target_type: z.string().optional(),
    canonical_name: z.string().optional(),
  }),
});

function parse<S extends z.ZodType>(schema: S, row: GoogleAdsRow, what: string): z.infer<S> {
  const result = schema.safeParse(row);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new PayloadError(`${what}: ${formatPath(issue.path)}: ${issue.message}`);
  }
  return result.data;
}

export interface CustomerInfo {
  customerId: string;
  name: string | undefined;
  timeZone: string;
  currency: string | undefined;
  manager: boolean;
}

export function toCustomerInfo(row: GoogleAdsRow, customerId: string): CustomerInfo {
  const { customer } = parse(customerRow, row, `customer ${customerId}`);
  return {
    customerId: String(customer.id),
    name: customer.descriptive_name,
    timeZone: customer.time_zone,
    currency: customer.currency_code,
    manager: customer.manager ?? false,
  };
}

const { AdvertisingChannelType, GeoTargetingType } = enums;

/** pauta's channel for an advertising channel type: VIDEO is YouTube, DISPLAY the programmatic buy. */
export function channelFor(advertisingChannelType: number): Channel {
  switch (advertisingChannelType) {
    case AdvertisingChannelType.DISPLAY:
      return 'display';
    case AdvertisingChannelType.VIDEO:
      return 'youtube';
    case AdvertisingChannelType.DEMAND_GEN:
      return 'demand_gen';
    case AdvertisingChannelType.PERFORMANCE_MAX:
      return 'performance_max';
    default:
      return 'other';
  }
}

export const dayKey = (campaignId: string, date: string): string => `${campaignId}|${date}`;

/** A campaign's authoritative day, its geography still to come. */
export function toCampaignDay(row: GoogleAdsRow, customerId: string, index: number): CampaignDay {
  const r = parse(campaignDayRow, row, `customer ${customerId}, campaign totals row ${index + 1}`);
  return {
    date: r.segments.date,
    accountId: customerId,
    campaignId: String(r.campaign.id),
    campaignName: r.campaign.name,
    channel: channelFor(r.campaign.advertising_channel_type),
    impressions: r.metrics.impressions,
    clicks: r.metrics.clicks ?? null,
    costMicros: r.metrics.cost_micros ?? null,
    videoViews: r.metrics.video_trueview_views ?? null,
    geo: [],
    geoMethod: '',
  };
}

/** One geographic row reduced to what pauta keeps: where, and how many impressions. */
export interface GeoCell {
  campaignId: string;
  date: string;
  /** Criterion id of the country, or undefined when Google could not place the user. */
  countryId: string | undefined;
  /** Criterion id of the region (`segments.geo_target_region`), when known. */
  regionId: string | undefined;
  impressions: number;
}

const regionId = (resourceName: string | undefined): string | undefined => resourceName?.slice('geoTargetConstants/'.length);

/**
 * A geographic row as a GeoCell, or null when it belongs to the location type the config did not
 * choose. `geographic_view` returns every row once per location type (AREA_OF_INTEREST and
 * LOCATION_OF_PRESENCE) even when the type is not selected: summing both would double count.
 * `user_location_view` rows are split by `targeting_location` instead, which partitions the
 * impressions (targeted vs. not): those rows add up.
 */
export function toGeoCell(row: GoogleAdsRow, geo: GeoSelection, customerId: string, index: number): GeoCell | null {
  const what = `customer ${customerId}, ${geo.view} row ${index + 1}`;
  if (geo.view === 'user_location_view') {
    const r = parse(userLocationRow, row, what);
    return {
      campaignId: String(r.campaign.id),
      date: r.segments.date,
      countryId: r.user_location_view.country_criterion_id?.toString(),
      regionId: regionId(r.segments.geo_target_region),
      impressions: r.metrics.impressions,
    };
  }
  const r = parse(geographicRow, row, what);
  if (r.geographic_view.location_type !== GeoTargetingType[geo.location_type]) return null;
  return {
    campaignId: String(r.campaign.id),
    date: r.segments.date,
    countryId: r.geographic_view.country_criterion_id?.toString(),
    regionId: regionId(r.segments.geo_target_region),
    impressions: r.metrics.impressions,
  };
}

/** How a day's geography was obtained, as stored in `geo_method`. */
export function geoMethodFor(geo: GeoSelection): string {
  return geo.view === 'user_location_view' ? 'user_location_view' : `geographic_view:${geo.location_type.toLowerCase()}`;
}

/** A geo target constant as `FROM geo_target_constant` describes it (and the connector state keeps it). */
export const geoTargetSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** ISO 3166-1 alpha-2, as Google gives it. */
  countryCode: z.string().optional(),
  targetType: z.string().optional(),
  canonicalName: z.string().optional(),
});
export type GeoTarget = z.infer<typeof geoTargetSchema>;

export function toGeoTarget(row: GoogleAdsRow, index: number): GeoTarget {
  const r = parse(geoTargetConstantRow, row, `geo_target_constant row ${index + 1}`).geo_target_constant;
  return {
    id: String(r.id),
    name: r.name,
    countryCode: r.country_code,
    targetType: r.target_type,
    canonicalName: r.canonical_name,
  };
}

/** Impressions per (country, region) criterion pair, before the ids are resolved. */
export type GeoCounts = Map<string, number>;

export const cellKey = (countryId: string | undefined, regionId: string | undefined): string => `${countryId ?? ''}|${regionId ?? ''}`;

export function addCell(counts: GeoCounts, cell: GeoCell): void {
  const key = cellKey(cell.countryId, cell.regionId);
  counts.set(key, (counts.get(key) ?? 0) + cell.impressions);
}

export function parseCellKey(key: string): { countryId: string | undefined; regionId: string | undefined } {
  const [country, region] = key.split('|');
  return { countryId: country || undefined, regionId: region || undefined };
}


