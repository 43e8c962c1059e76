// The x_ads source entry: secrets only by variable name, one of the two geo strategies, and the
// defaults the README documents.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load.ts';
import { configWith } from '../helpers/app.ts';
import { registry, sourceYaml } from './helpers.ts';

function problems(yaml: string): string[] {
  try {
    configWith(yaml, registry);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('x_ads source config', () => {
  it('fills the documented defaults', () => {
    const cfg = configWith(sourceYaml({ extra: '    endpoint: { ads_api: "https://ads-api-sandbox.twitter.com/12" }\n' }), registry).sources[0];
    expect(cfg).toMatchObject({
      platform: 'x_ads',
      account_ids: ['18ce54d4x5t'],
      placements: ['ALL_ON_TWITTER'],
      geo: { strategy: 'regions', countries: ['US'] },
      jobs: { timeout_minutes: 30, too_many_jobs_wait_seconds: 60 },
      endpoint: { ads_api: 'https://ads-api-sandbox.twitter.com/12/' },
    });
  });

  it('rejects a secret written where its variable name belongs', () => {
    const yaml = sourceYaml().replace('consumer_secret_env: X_ADS_CONSUMER_SECRET', 'consumer_secret_env: Zk3c9sQ1v7PpX2mL0aR8tY6uB4nW5eHq');
    expect(problems(yaml)).toEqual([expect.stringMatching(/^sources\[0\]\.consumer_secret_env: expected the NAME of an environment variable/)]);
  });

  it('names an unknown geo strategy and a country that is not ISO 3166-1', () => {
    const yaml = sourceYaml({ strategy: 'cities' as never, countries: ['USA'] });
    expect(problems(yaml)).toEqual([
      expect.stringMatching(/^sources\[0\]\.geo\.strategy: /),
      'sources[0].geo.countries[0]: expected an ISO 3166-1 alpha-2 code like US',
    ]);
  });
});
