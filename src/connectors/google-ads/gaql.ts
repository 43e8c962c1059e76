// Every Google Ads Query Language statement pauta sends, in one place. Field lists are typed
// against google-ads-api's v25 field unions, so a field renamed by a new API version
// (`metrics.video_views` → `metrics.video_trueview_views` in v22, `campaign.start_date` in v25)
// breaks the typecheck instead of a run. Values are spliced in only through the literal helpers
// below, which accept digits, ISO dates and known enum names: nothing from a config string (a
// campaign name pattern, say) can reach a query. https://developers.google.com/google-ads/api/docs/query/grammar
import type { fields } from 'google-ads-api';
import type { DateWindow } from '../../core/dates.ts';
import { isIsoDate } from '../../core/dates.ts';
import type { AdvertisingChannel, GeoSelection } from './config.ts';

const CUSTOMER_FIELDS = [
  'customer.id',
  'customer.descriptive_name',
  'customer.time_zone',
  'customer.currency_code',
  'customer.manager',
  'customer.status',
] as const satisfies readonly fields.CustomerField[];

/** The authoritative daily total of each campaign (all networks, all places). */
const CAMPAIGN_DAY_FIELDS = [
  'campaign.id',
  'campaign.name',
  'campaign.advertising_channel_type',
  'segments.date',
  'metrics.impressions',
  'metrics.clicks',
  'metrics.cost_micros',
  'metrics.video_trueview_views',
] as const satisfies readonly (fields.CampaignField | fields.CampaignSegment | fields.CampaignMetric)[];

/** Physical location of the user; rows are implicitly split by `targeting_location` (true/false). */
const USER_LOCATION_FIELDS = [
  'campaign.id',
  'segments.date',
  'user_location_view.country_criterion_id',
  'user_location_view.targeting_location',
  'segments.geo_target_region',
  'metrics.impressions',
] as const satisfies readonly (fields.UserLocationViewField | fields.UserLocationViewSegment | fields.UserLocationViewMetric)[];

/** Physical location or area of interest: rows are implicitly split by `location_type`. */
const GEOGRAPHIC_FIELDS = [
  'campaign.id',
  'segments.date',
  'geographic_view.country_criterion_id',
  'geographic_view.location_type',
  'segments.geo_target_region',
  'metrics.impressions',
] as const satisfies readonly (fields.GeographicViewField | fields.GeographicViewSegment | fields.GeographicViewMetric)[];

const GEO_TARGET_CONSTANT_FIELDS = [
  'geo_target_constant.id',
  'geo_target_constant.name',
  'geo_target_constant.country_code',
  'geo_target_constant.target_type',
  'geo_target_constant.canonical_name',
] as const satisfies readonly fields.GeoTargetConstantField[];

/** Every field pauta selects, for the test that checks them against v25's field list. */
export const ALL_SELECTED_FIELDS: readonly string[] = [
  ...CUSTOMER_FIELDS,
  ...CAMPAIGN_DAY_FIELDS,
  ...USER_LOCATION_FIELDS,
  ...GEOGRAPHIC_FIELDS,
  ...GEO_TARGET_CONSTANT_FIELDS,
];

/** A GAQL value spliced from outside the module was not what it had to be. */
export class GaqlValueError extends Error {
  override name = 'GaqlValueError';
}

/** An id (customer, campaign, criterion): digits only. */
export function idLiteral(value: string | number): string {
  const text = String(value);
  if (!/^\d{1,19}$/.test(text)) throw new GaqlValueError(`not an id: ${JSON.stringify(text)}`);
  return text;
}

/** A calendar date as GAQL wants it: `'YYYY-MM-DD'`. */
export function dateLiteral(value: string): string {
  if (!isIsoDate(value)) throw new GaqlValueError(`not a date as YYYY-MM-DD: ${JSON.stringify(value)}`);
  return `'${value}'`;
}

/** An enum constant: a name from the allowed list, never free text. */
export function enumLiteral<T extends string>(value: T, allowed: readonly T[]): string {
  if (!allowed.includes(value) || !/^[A-Z][A-Z0-9_]*$/.test(value)) {
    throw new GaqlValueError(`not one of ${allowed.join(', ')}: ${JSON.stringify(value)}`);
  }
  return `'${value}'`;
}

const CHANNEL_NAMES: readonly AdvertisingChannel[] = ['DISPLAY', 'VIDEO', 'DEMAND_GEN', 'PERFORMANCE_MAX'];

export interface CampaignFilter {
  channels: readonly AdvertisingChannel[];
  /** Campaign ids from the config, when it names them. */
  campaignIds?: readonly string[] | undefined;
}

function campaignConditions(window: DateWindow, filter: CampaignFilter): string[] {
  const conditions = [
    // A finite range is mandatory whenever segments.date is selected (EXPECTED_FILTERS_ON_DATE_RANGE).
    `segments.date BETWEEN ${dateLiteral(window.from)} AND ${dateLiteral(window.to)}`,
    `campaign.advertising_channel_type IN (${filter.channels.map((c) => enumLiteral(c, CHANNEL_NAMES)).join(', ')})`,
  ];
  if (filter.campaignIds && filter.campaignIds.length > 0) {
    conditions.push(`campaign.id IN (${filter.campaignIds.map(idLiteral).join(', ')})`);
  }
  return conditions;
}

function select(fieldList: readonly string[], resource: string, conditions: readonly string[] = []): string {
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  return `SELECT ${fieldList.join(', ')} FROM ${resource}${where}`;
}

export function customerQuery(): string {
  return select(CUSTOMER_FIELDS, 'customer');
}

export function campaignDaysQuery(window: DateWindow, filter: CampaignFilter): string {
  return select(CAMPAIGN_DAY_FIELDS, 'campaign', campaignConditions(window, filter));
}

/**
 * The geographic split. Both location types of `geographic_view` are fetched and one is kept in
 * the code (see mapping.ts), so the query is the same whichever the config chooses.
 */
export function geoQuery(geo: GeoSelection, window: DateWindow, filter: CampaignFilter): string {
  return geo.view === 'user_location_view'
    ? select(USER_LOCATION_FIELDS, 'user_location_view', campaignConditions(window, filter))
    : select(GEOGRAPHIC_FIELDS, 'geographic_view', campaignConditions(window, filter));
}

export function geoTargetConstantsQuery(ids: readonly string[]): string {
  if (ids.length === 0) throw new GaqlValueError('no geo target constant ids to look up');
  return select(GEO_TARGET_CONSTANT_FIELDS, 'geo_target_constant', [`geo_target_constant.id IN (${ids.map(idLiteral).join(', ')})`]);
}
