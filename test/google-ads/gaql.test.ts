// The GAQL pauta sends: fields that exist in v25, values that can only be ids, dates and enum
// names; and the config that feeds it.
import { describe, expect, it } from 'vitest';
import { fieldDataTypes } from 'google-ads-api/fields';
import {
  ALL_SELECTED_FIELDS,
  GaqlValueError,
  campaignDaysQuery,
  dateLiteral,
  geoQuery,
  geoTargetConstantsQuery,
  idLiteral,
} from '../../src/connectors/google-ads/gaql.ts';
import { googleAdsSourceSchema } from '../../src/connectors/google-ads/config.ts';

type Node = { [key: string]: Node | string | number };
const types = JSON.parse(fieldDataTypes) as Node;

/** Follows a field path through google-ads-api's v25 type table (with its `$ref`s). */
function v25Type(path: string): unknown {
  let node: unknown = types;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Node)[part];
    for (let guard = 0; typeof node === 'object' && node !== null && '$ref' in node && guard < 10; guard += 1) {
      node = ((node as { $ref: string }).$ref.slice(2).split('/') as string[]).reduce<unknown>((n, p) => (n as Node)?.[p], types);
    }
  }
  return node;
}

describe('GAQL', () => {
  it('selects only fields that exist in Google Ads API v25', () => {
    for (const field of ALL_SELECTED_FIELDS) expect([field, v25Type(field)]).not.toEqual([field, undefined]);
    // The guard itself: renamed fields are not found.
    expect(v25Type('metrics.video_views')).toBeUndefined();
    expect(v25Type('campaign.start_date')).toBeUndefined();
  });

  it('builds the window queries from validated values only', () => {
    const filter = { channels: ['DISPLAY', 'VIDEO'] as const, campaignIds: ['16000101'] };
    expect(campaignDaysQuery({ from: '2021-09-01', to: '2021-09-30' }, { ...filter, channels: [...filter.channels] })).toMatch(
      / FROM campaign WHERE segments\.date BETWEEN '2021-09-01' AND '2021-09-30' AND campaign\.advertising_channel_type IN \('DISPLAY', 'VIDEO'\) AND campaign\.id IN \(16000101\)$/,
    );
    expect(geoQuery({ view: 'geographic_view', location_type: 'AREA_OF_INTEREST' }, { from: '2021-09-01', to: '2021-09-02' }, { channels: ['VIDEO'] })).toContain(
      'geographic_view.location_type, segments.geo_target_region, metrics.impressions FROM geographic_view WHERE',
    );
    expect(geoTargetConstantsQuery(['2840', '21137'])).toMatch(/FROM geo_target_constant WHERE geo_target_constant\.id IN \(2840, 21137\)$/);
  });

  it('refuses anything that is not an id, a date or a known enum name', () => {
    expect(() => idLiteral("1 OR campaign.id > 0")).toThrow(GaqlValueError);
    expect(() => dateLiteral("2021-09-01' OR '1")).toThrow(GaqlValueError);
    expect(() => dateLiteral('2021-02-30')).toThrow(GaqlValueError);
    expect(() => campaignDaysQuery({ from: '2021-09-01', to: '2021-09-02' }, { channels: ["DISPLAY') OR ('1" as never] })).toThrow(GaqlValueError);
    expect(() => geoTargetConstantsQuery([])).toThrow(GaqlValueError);
  });
});

describe('google_ads source config', () => {
  const base = {
    id: 'google-ads',
    platform: 'google_ads',
    developer_token_env: 'GOOGLE_ADS_DEVELOPER_TOKEN',
    client_id_env: 'GOOGLE_ADS_CLIENT_ID',
    client_secret_env: 'GOOGLE_ADS_CLIENT_SECRET',
    refresh_token_env: 'GOOGLE_ADS_REFRESH_TOKEN',
    customer_ids: ['123-456-7890', 1234567891],
  };

  it('takes customer ids as the UI writes them and defaults to Display + Video by physical location', () => {
    const cfg = googleAdsSourceSchema.parse({ ...base, login_customer_id: '999-888-7776' });
    expect(cfg.customer_ids).toEqual(['1234567890', '1234567891']);
    expect(cfg.login_customer_id).toBe('9998887776');
    expect(cfg.channels).toEqual(['DISPLAY', 'VIDEO']);
    expect(cfg.geo).toEqual({ view: 'user_location_view' });
  });

  it('rejects what would reach the API wrong', () => {
    const issues = (input: object) => googleAdsSourceSchema.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(issues({ ...base, customer_ids: ['12345'] })[0]).toContain('customer_ids.0: expected a 10-digit Google Ads customer id');
    expect(issues({ ...base, customer_ids: ['1234567890', '123-456-7890'] })[0]).toContain('listed twice');
    expect(issues({ ...base, geo: { view: 'geographic_view' } })[0]).toContain('geo.location_type');
    expect(issues({ ...base, channels: ['SEARCH'] })[0]).toContain('channels.0');
    expect(issues({ ...base, refresh_token_env: '1//0abc-secret' })[0]).toContain('NAME of an environment variable');
    expect(issues({ ...base, campaigns: { name_pattern: '(' } })[0]).toContain('valid regular expression');
  });
});

describe('config/pauta.yaml', () => {
  it('ships a google_ads source the schema accepts', async () => {
    const { loadConfig } = await import('../../src/config/load.ts');
    const { defaultRegistry } = await import('../../src/connectors/index.ts');
    const config = loadConfig('config/pauta.yaml', defaultRegistry());
    expect(config.sources.find((s) => s.platform === 'google_ads')).toMatchObject({
      id: 'google-ads',
      login_customer_id: '9876543210',
      customer_ids: ['1234567890', '2345678901'],
      channels: ['DISPLAY', 'VIDEO'],
      geo: { view: 'user_location_view' },
    });
  });
});
