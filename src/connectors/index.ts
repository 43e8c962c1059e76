// Every platform pauta can read. A connector is one folder under src/connectors/ plus one line here.
import type { Connector } from './types.ts';
import { googleAdsConnector } from './google-ads/index.ts';

export const connectors: readonly Connector<any>[] = [googleAdsConnector];

export function defaultRegistry(): Map<string, Connector<any>> {
  return new Map(connectors.map((c) => [c.platform, c]));
}
