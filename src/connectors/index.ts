// Every platform pauta can read. A connector is one folder under src/connectors/ plus one line here.
import { dv360Connector } from './dv360/index.ts';
import type { Connector } from './types.ts';
import { googleAdsConnector } from './google-ads/index.ts';
import { xAdsConnector } from './x-ads/index.ts';

export const connectors: readonly Connector<any>[] = [googleAdsConnector, dv360Connector, xAdsConnector];

export function defaultRegistry(): Map<string, Connector<any>> {
  return new Map(connectors.map((c) => [c.platform, c]));
}
