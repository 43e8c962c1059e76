// twitter-api-v2, loaded when an X Ads source first needs a client or classifies one of its
// errors: commands that run no X Ads source never load it. The package is CommonJS, so `require`
// returns the very module (and error classes) a static import would.
import { createRequire } from 'node:module';

type TwitterApiModule = typeof import('twitter-api-v2');

let loaded: TwitterApiModule | undefined;

export function twitterApi(): TwitterApiModule {
  loaded ??= createRequire(import.meta.url)('twitter-api-v2') as TwitterApiModule;
  return loaded;
}
