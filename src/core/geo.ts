// Geography is ISO 3166 everywhere: country alpha-2, region ISO 3166-2. The trap this module
// exists for: `CA` is Canada, `US-CA` is California. What a platform cannot place goes to the
// user-assigned code `ZZ` (ISO 3166-1 reserves ZZ for "unknown"), never dropped.

export const UNKNOWN_COUNTRY = 'ZZ';

export interface GeoPoint {
  country: string;
  /** ISO 3166-2 subdivision (`US-CA`), or '' when the row is country-level only. */
  region: string;
}

const COUNTRY = /^[A-Z]{2}$/;
const SUBDIVISION = /^([A-Z]{2})-[A-Z0-9]{1,3}$/;

/** Country names and platform spellings that are not ISO alpha-2 codes. */
const COUNTRY_ALIASES: Record<string, string> = {
  UK: 'GB',
  'UNITED STATES': 'US',
  'UNITED STATES OF AMERICA': 'US',
  USA: 'US',
  CANADA: 'CA',
  SPAIN: 'ES',
  ESPAÑA: 'ES',
  MEXICO: 'MX',
  MÉXICO: 'MX',
  'UNITED KINGDOM': 'GB',
  UNKNOWN: UNKNOWN_COUNTRY,
};

/**
 * Normalizes a platform's country cell to ISO 3166-1 alpha-2. Returns `ZZ` for unknown or empty
 * values; throws for anything else that is not recognizably a country, so a wrong column never
 * becomes a wrong country silently.
 */
export function toCountryCode(value: string | null | undefined): string {
  const raw = (value ?? '').trim();
  if (raw === '' || raw === '-' || raw === '--') return UNKNOWN_COUNTRY;
  const upper = raw.toUpperCase();
  if (COUNTRY_ALIASES[upper]) return COUNTRY_ALIASES[upper];
  if (COUNTRY.test(upper)) return upper;
  throw new Error(`not an ISO 3166-1 country: "${raw}"`);
}

/** Subdivision names per country, for platforms that report region names instead of codes. */
const REGION_NAMES: Record<string, Record<string, string>> = {
  US: {
    alabama: 'AL', alaska: 'AK', arizona: 'AZ', arkansas: 'AR', california: 'CA', colorado: 'CO',
    connecticut: 'CT', delaware: 'DE', 'district of columbia': 'DC', florida: 'FL', georgia: 'GA',
    hawaii: 'HI', idaho: 'ID', illinois: 'IL', indiana: 'IN', iowa: 'IA', kansas: 'KS',
    kentucky: 'KY', louisiana: 'LA', maine: 'ME', maryland: 'MD', massachusetts: 'MA',
    michigan: 'MI', minnesota: 'MN', mississippi: 'MS', missouri: 'MO', montana: 'MT',
    nebraska: 'NE', nevada: 'NV', 'new hampshire': 'NH', 'new jersey': 'NJ', 'new mexico': 'NM',
    'new york': 'NY', 'north carolina': 'NC', 'north dakota': 'ND', ohio: 'OH', oklahoma: 'OK',
    oregon: 'OR', pennsylvania: 'PA', 'rhode island': 'RI', 'south carolina': 'SC',
    'south dakota': 'SD', tennessee: 'TN', texas: 'TX', utah: 'UT', vermont: 'VT',
    virginia: 'VA', washington: 'WA', 'west virginia': 'WV', wisconsin: 'WI', wyoming: 'WY',
    'puerto rico': 'PR',
  },
  CA: {
    alberta: 'AB', 'british columbia': 'BC', manitoba: 'MB', 'new brunswick': 'NB',
    'newfoundland and labrador': 'NL', 'nova scotia': 'NS', ontario: 'ON',
    'prince edward island': 'PE', quebec: 'QC', québec: 'QC', saskatchewan: 'SK',
    'northwest territories': 'NT', nunavut: 'NU', yukon: 'YT',
  },
  // Spain's ISO 3166-2 has autonomous communities (2 letters) and provinces (1–2 letters);
  // platforms report communities as "regions".
  ES: {
    andalusia: 'AN', andalucía: 'AN', andalucia: 'AN', aragon: 'AR', aragón: 'AR',
    asturias: 'AS', 'balearic islands': 'IB', 'illes balears': 'IB', 'islas baleares': 'IB',
    'canary islands': 'CN', canarias: 'CN', cantabria: 'CB', 'castile and leon': 'CL',
    'castilla y león': 'CL', 'castile-la mancha': 'CM', 'castilla-la mancha': 'CM',
    catalonia: 'CT', cataluña: 'CT', catalunya: 'CT', 'community of madrid': 'MD',
    madrid: 'MD', 'comunidad de madrid': 'MD', 'valencian community': 'VC',
    'comunidad valenciana': 'VC', valencia: 'VC', extremadura: 'EX', galicia: 'GA',
    'la rioja': 'RI', murcia: 'MC', 'region of murcia': 'MC', 'región de murcia': 'MC',
    navarre: 'NC', navarra: 'NC', 'basque country': 'PV', 'país vasco': 'PV', ceuta: 'CE',
    melilla: 'ML',
  },
};

/** Human names of the regions pauta's reports single out. */
export const REGION_LABELS: Record<string, string> = {
  'US-CA': 'California',
  'US-TX': 'Texas',
  'US-IL': 'Illinois',
};

/**
 * Maps a region name (or ISO 3166-2 code) within a known country to ISO 3166-2.
 * Returns '' when the name is unknown: the row stays in its country, region unplaced.
 */
export function toRegionCode(country: string, value: string | null | undefined): string {
  const raw = (value ?? '').trim();
  if (raw === '' || /^unknown$/i.test(raw)) return '';
  const code = raw.toUpperCase();
  const m = SUBDIVISION.exec(code);
  if (m) return m[1] === country ? code : '';
  const names = REGION_NAMES[country];
  const key = raw.toLowerCase().replace(/\s*\(.*\)$/, '').replace(/,.*$/, '').trim();
  const sub = names?.[key];
  return sub ? `${country}-${sub}` : '';
}

export function isCountryCode(value: string): boolean {
  return COUNTRY.test(value);
}

export function isRegionCode(value: string): boolean {
  return SUBDIVISION.test(value);
}

/** The country a region code belongs to (`US-CA` → `US`). */
export function countryOfRegion(region: string): string {
  return region.slice(0, 2);
}

export interface GeoImpressions extends GeoPoint {
  impressions: number;
}

/**
 * Invariant 4 (docs/ARCHITECTURE.md): the geo rows of one (date, campaign) plus an explicit
 * remainder in `ZZ` add up to the platform's campaign total. Rows for the same point are merged;
 * a geo sum above the total is an error, since storing it would double count.
 */
export function reconcileGeo(total: number, geo: readonly GeoImpressions[]): GeoImpressions[] {
  const merged = new Map<string, GeoImpressions>();
  for (const g of geo) {
    if (g.impressions === 0) continue;
    const key = `${g.country}|${g.region}`;
    const prev = merged.get(key);
    if (prev) prev.impressions += g.impressions;
    else merged.set(key, { country: g.country, region: g.region, impressions: g.impressions });
  }
  const rows = [...merged.values()];
  const placed = rows.reduce((s, r) => s + r.impressions, 0);
  if (placed > total) {
    throw new GeoOverflowError(total, placed);
  }
  if (placed < total) {
    const zz = merged.get(`${UNKNOWN_COUNTRY}|`);
    if (zz) zz.impressions += total - placed;
    else rows.push({ country: UNKNOWN_COUNTRY, region: '', impressions: total - placed });
  }
  return rows.sort((a, b) => (a.country + a.region).localeCompare(b.country + b.region));
}

export class GeoOverflowError extends Error {
  constructor(
    readonly total: number,
    readonly placed: number,
  ) {
    super(`geographic rows sum to ${placed} impressions, above the campaign total of ${total}`);
    this.name = 'GeoOverflowError';
  }
}
