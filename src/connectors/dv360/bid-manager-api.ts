// googleapis' Bid Manager module (with the auth classes it re-exports), loaded when a DV360
// source first needs a client: commands that run no DV360 source never load it. The package is
// CommonJS, so `require` returns the very module a static import would.
import { createRequire } from 'node:module';

type BidManagerModule = typeof import('googleapis/build/src/apis/doubleclickbidmanager/index.js');

let loaded: BidManagerModule | undefined;

export function bidManagerModule(): BidManagerModule {
  loaded ??= createRequire(import.meta.url)('googleapis/build/src/apis/doubleclickbidmanager/index.js') as BidManagerModule;
  return loaded;
}
