// The simulated campaigns the sandbox serves: deterministic, shaped like the campaign plan
// (Sept–Dec 2021), and the ground truth the end-to-end test compares stored data against.
// Every platform's sandbox presents the same world in its own wire format.
import { eachDate, type IsoDate } from '../core/dates.ts';
import { UNKNOWN_COUNTRY, type GeoImpressions } from '../core/geo.ts';

export const SIM_PERIOD = { from: '2021-09-01', to: '2021-12-31' } as const;

export type SimPlatform = 'google_ads' | 'x_ads' | 'dv360';

export interface SimAccount {
  platform: SimPlatform;
  accountId: string;
  name: string;
  timeZone: string;
  currency: string;
}

export interface GeoWeight {
  country: string;
  /** ISO 3166-2 or '' (placed in the country only). */
  region: string;
  weight: number;
}

export interface SimCampaign {
  platform: SimPlatform;
  accountId: string;
  campaignId: string;
  name: string;
  /** The platform's own channel word: DISPLAY / VIDEO (Google Ads), DISPLAY / YOUTUBE (DV360), X. */
  kind: 'DISPLAY' | 'VIDEO' | 'YOUTUBE' | 'X';
  /** pauta's channel for it. */
  channel: 'display' | 'youtube' | 'social';
  start: IsoDate;
  end: IsoDate;
  /** Average impressions per day. */
  dailyMean: number;
  /** Where impressions land; the weights' complement to 1 is unplaceable (country `ZZ`). */
  geo: GeoWeight[];
  /** Days with no delivery at all (the platform returns no row for them). */
  darkDays?: IsoDate[];
}

export interface SimDay {
  date: IsoDate;
  impressions: number;
  clicks: number;
  /** Geo split, remainder included as `ZZ`; sums to `impressions`. */
  geo: GeoImpressions[];
}

export const SIM_ACCOUNTS: SimAccount[] = [
  { platform: 'google_ads', accountId: '1234567890', name: 'Campañas Exterior (sandbox)', timeZone: 'America/Los_Angeles', currency: 'USD' },
  { platform: 'google_ads', accountId: '2345678901', name: 'Campañas España (sandbox)', timeZone: 'Europe/Madrid', currency: 'EUR' },
  { platform: 'dv360', accountId: '4455667', name: 'Programmatic Exterior (sandbox)', timeZone: 'America/Chicago', currency: 'USD' },
  { platform: 'x_ads', accountId: '18ce54d4x5t', name: 'Consulados en X (sandbox)', timeZone: 'America/Los_Angeles', currency: 'USD' },
];

const US_FOCUS: GeoWeight[] = [
  { country: 'US', region: 'US-CA', weight: 0.36 },
  { country: 'US', region: 'US-TX', weight: 0.27 },
  { country: 'US', region: 'US-IL', weight: 0.17 },
  { country: 'US', region: 'US-AZ', weight: 0.06 },
  { country: 'US', region: 'US-NY', weight: 0.05 },
  { country: 'US', region: '', weight: 0.04 },
];

const NORTH_AMERICA_AND_SPAIN: GeoWeight[] = [
  { country: 'US', region: 'US-CA', weight: 0.22 },
  { country: 'US', region: 'US-TX', weight: 0.16 },
  { country: 'US', region: 'US-IL', weight: 0.1 },
  { country: 'US', region: 'US-FL', weight: 0.05 },
  { country: 'CA', region: 'CA-ON', weight: 0.12 },
  { country: 'CA', region: 'CA-QC', weight: 0.08 },
  { country: 'CA', region: 'CA-BC', weight: 0.04 },
  { country: 'ES', region: 'ES-MD', weight: 0.09 },
  { country: 'ES', region: 'ES-CT', weight: 0.07 },
  { country: 'ES', region: 'ES-AN', weight: 0.04 },
];

export const SIM_CAMPAIGNS: SimCampaign[] = [
  {
    platform: 'google_ads', accountId: '1234567890', campaignId: '16000101', name: 'Programmatic Display — EE.UU. (CA, TX, IL)',
    kind: 'DISPLAY', channel: 'display', start: '2021-09-01', end: '2021-12-31', dailyMean: 2450, geo: US_FOCUS,
  },
  {
    platform: 'google_ads', accountId: '1234567890', campaignId: '16000102', name: 'YouTube — Registro consular, Norteamérica',
    kind: 'VIDEO', channel: 'youtube', start: '2021-09-06', end: '2021-12-20', dailyMean: 1180, geo: NORTH_AMERICA_AND_SPAIN,
    darkDays: ['2021-10-12', '2021-10-13'],
  },
  {
    platform: 'google_ads', accountId: '2345678901', campaignId: '17000201', name: 'YouTube — España',
    kind: 'VIDEO', channel: 'youtube', start: '2021-09-15', end: '2021-12-15', dailyMean: 420,
    geo: [
      { country: 'ES', region: 'ES-MD', weight: 0.45 },
      { country: 'ES', region: 'ES-CT', weight: 0.3 },
      { country: 'ES', region: 'ES-VC', weight: 0.15 },
    ],
  },
  {
    platform: 'dv360', accountId: '4455667', campaignId: '5100001', name: 'Display, programática "Exterior", CA-TX-IL',
    kind: 'DISPLAY', channel: 'display', start: '2021-09-01', end: '2021-12-31', dailyMean: 1620, geo: US_FOCUS,
  },
  {
    platform: 'dv360', accountId: '4455667', campaignId: '5100002', name: 'YouTube & partners — Norteamérica',
    kind: 'YOUTUBE', channel: 'youtube', start: '2021-10-01', end: '2021-12-31', dailyMean: 310, geo: NORTH_AMERICA_AND_SPAIN,
  },
  {
    platform: 'x_ads', accountId: '18ce54d4x5t', campaignId: 'f2qqv', name: 'Promoted — Voto desde el exterior',
    kind: 'X', channel: 'social', start: '2021-09-01', end: '2021-12-31', dailyMean: 520, geo: NORTH_AMERICA_AND_SPAIN,
  },
];

/** A small deterministic hash → [0, 1), so every run of the sandbox serves the same numbers. */
function unit(...parts: string[]): number {
  let h = 2166136261;
  for (const ch of parts.join('|')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 16777619);
  }
  h ^= h >>> 13;
  h = Math.imul(h, 0x5bd1e995);
  h ^= h >>> 15;
  return (h >>> 0) / 2 ** 32;
}

/** One campaign's day: total, clicks and geography (remainder in `ZZ`), or null when dark. */
export function simDay(c: SimCampaign, date: IsoDate): SimDay | null {
  if (date < c.start || date > c.end || c.darkDays?.includes(date)) return null;
  const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
  const weekly = weekday === 0 || weekday === 6 ? 0.82 : 1.06;
  const impressions = Math.round(c.dailyMean * weekly * (0.8 + 0.4 * unit(c.campaignId, date)));
  const geo: GeoImpressions[] = [];
  let placed = 0;
  for (const g of c.geo) {
    const n = Math.floor(impressions * g.weight * (0.9 + 0.2 * unit(c.campaignId, date, g.country, g.region)));
    if (n > 0 && placed + n <= impressions) {
      geo.push({ country: g.country, region: g.region, impressions: n });
      placed += n;
    }
  }
  if (placed < impressions) geo.push({ country: UNKNOWN_COUNTRY, region: '', impressions: impressions - placed });
  return { date, impressions, clicks: Math.round(impressions * 0.004 * (0.5 + unit('clk', c.campaignId, date))), geo };
}

/** Every delivered day of a campaign within [from, to]. */
export function simDays(c: SimCampaign, from: IsoDate, to: IsoDate): SimDay[] {
  return eachDate({ from, to }).flatMap((d) => simDay(c, d) ?? []);
}

export function simAccount(platform: SimPlatform, accountId: string): SimAccount | undefined {
  return SIM_ACCOUNTS.find((a) => a.platform === platform && a.accountId === accountId);
}

export function simCampaigns(platform: SimPlatform, accountId?: string): SimCampaign[] {
  return SIM_CAMPAIGNS.filter((c) => c.platform === platform && (accountId === undefined || c.accountId === accountId));
}

/**
 * The sandbox's "today". The simulated platforms answer as they would have in mid-January 2022,
 * when the plan's period had just closed: Google Ads' 37-month limit on daily data and every
 * "yesterday" are computed from this instant, not from the machine's clock.
 */
export const SIM_NOW = new Date('2022-01-15T15:00:00Z');
