// Report rows → CampaignDays. A DV360 "campaign" in pauta is the line item: its daily total is
// the sum of that day's rows for it (every row has a country, possibly Unknown), and the rows
// with a known country are its geography; the runner adds the unplaced remainder as `ZZ`.
import { nameMatcher } from '../../config/fields.ts';
import { isValidTimeZone, type IsoDate } from '../../core/dates.ts';
import { PayloadError } from '../../core/errors.ts';
import { UNKNOWN_COUNTRY, toCountryCode, toRegionCode, type GeoImpressions } from '../../core/geo.ts';
import type { CampaignDay, Channel } from '../../core/records.ts';
import type { Dv360Config } from './config.ts';
import type { ReportRow } from './report-csv.ts';

export const GEO_METHOD = 'report';

/**
 * The report's "Line Item Type" to pauta's channel: YouTube & partners line items keep their own
 * channel so targets can count them with social media; open-web video (and CTV) is `video`.
 */
export function channelOf(lineItemType: string): Channel {
  const t = lineItemType.toLowerCase();
  if (/youtube|trueview/.test(t)) return 'youtube';
  if (/video|over-the-top|connected tv|\bctv\b/.test(t)) return 'video';
  if (/display/.test(t)) return 'display';
  return 'other';
}

interface Selection {
  ids?: string[] | undefined;
  name_pattern?: string | undefined;
}

/** A selection given in the config matches by id or by name; no selection matches everything. */
export function isSelected(selection: Selection | undefined, id: string, name: string): boolean {
  if (!selection || (selection.ids === undefined && selection.name_pattern === undefined)) return true;
  if (selection.ids?.includes(id)) return true;
  return selection.name_pattern !== undefined && nameMatcher(selection.name_pattern)(name);
}

/**
 * ISO 3166-2 for a report region: by name (geo.ts knows US, CA, ES), else by the config's
 * `region_ids`; '' when Unknown or unmapped, so the row stays in its country.
 */
export function resolveRegion(country: string, name: string, id: string, regionIds: Record<string, string> | undefined): string {
  const byName = toRegionCode(country, name);
  if (byName !== '') return byName;
  const byId = id === '' ? undefined : regionIds?.[id];
  return byId !== undefined && byId.startsWith(`${country}-`) ? byId : '';
}

interface DayTotal {
  accountId: string;
  date: IsoDate;
  lineItemId: string;
  lineItemName: string;
  channel: Channel;
  impressions: number;
  clicks: number | null;
  geo: Map<string, GeoImpressions>;
}

export class CampaignDayBuilder {
  private readonly totals = new Map<string, DayTotal>();
  private readonly zones = new Map<string, string>();
  /** Advertiser time zones the report wrote in a form pauta could not compare. */
  readonly unreadableZones = new Set<string>();
  rowsRead = 0;
  rowsSkipped = 0;

  constructor(private readonly cfg: Dv360Config) {
    for (const a of cfg.advertisers ?? []) this.zones.set(a.id, a.time_zone);
  }

  /** The account a row belongs to: its advertiser, or with `partner` the partner. */
  private accountOf(row: ReportRow): { accountId: string; zone: string } {
    if (this.cfg.partner) return { accountId: this.cfg.partner.id, zone: this.cfg.partner.time_zone };
    const zone = this.zones.get(row.advertiserId);
    if (zone === undefined) {
      throw new PayloadError(`report line ${row.line}: advertiser "${row.advertiserId}" is not one of the source's advertisers`);
    }
    return { accountId: row.advertiserId, zone };
  }

  add(row: ReportRow): void {
    this.rowsRead += 1;
    const { accountId, zone } = this.accountOf(row);
    // Days are the advertiser's days: a report in another zone than the config's would shift them.
    if (row.advertiserTimeZone !== '') {
      if (!isValidTimeZone(row.advertiserTimeZone)) this.unreadableZones.add(row.advertiserTimeZone);
      else if (row.advertiserTimeZone !== zone) {
        throw new PayloadError(
          `report line ${row.line}: advertiser ${row.advertiserId} reports in ${row.advertiserTimeZone}, but the config says ${zone}; correct its time_zone`,
        );
      }
    }
    if (row.lineItemId === '') throw new PayloadError(`report line ${row.line}: column "Line Item ID" is empty`);
    if (
      !isSelected(this.cfg.insertion_orders, row.insertionOrderId, row.insertionOrderName) ||
      !isSelected(this.cfg.line_items, row.lineItemId, row.lineItemName)
    ) {
      this.rowsSkipped += 1;
      return;
    }
    let country: string;
    try {
      country = toCountryCode(row.country);
    } catch (e) {
      throw new PayloadError(`report line ${row.line}: column "Country": ${(e as Error).message}`);
    }

    const key = `${accountId}|${row.date}|${row.lineItemId}`;
    let day = this.totals.get(key);
    if (!day) {
      day = {
        accountId,
        date: row.date,
        lineItemId: row.lineItemId,
        lineItemName: row.lineItemName,
        channel: channelOf(row.lineItemType),
        impressions: 0,
        clicks: null,
        geo: new Map(),
      };
      this.totals.set(key, day);
    }
    day.impressions += row.impressions;
    if (row.clicks !== null) day.clicks = (day.clicks ?? 0) + row.clicks;
    if (country === UNKNOWN_COUNTRY || row.impressions === 0) return;
    const region = resolveRegion(country, row.regionName, row.regionId, this.cfg.region_ids);
    const point = `${country}|${region}`;
    const geo = day.geo.get(point);
    if (geo) geo.impressions += row.impressions;
    else day.geo.set(point, { country, region, impressions: row.impressions });
  }

  /** Every line item's days for one account, in date order. */
  days(accountId: string): CampaignDay[] {
    return [...this.totals.values()]
      .filter((d) => d.accountId === accountId)
      .sort((a, b) => a.date.localeCompare(b.date) || a.lineItemId.localeCompare(b.lineItemId))
      .map((d) => ({
        date: d.date,
        accountId: d.accountId,
        campaignId: d.lineItemId,
        campaignName: d.lineItemName,
        channel: d.channel,
        impressions: d.impressions,
        clicks: d.clicks,
        geo: [...d.geo.values()],
        geoMethod: GEO_METHOD,
      }));
  }
}
