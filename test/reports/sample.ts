// A database like the demo's: the sandbox's simulated campaigns and simulated SMS and e-mail
// sends (a small fraction of them), for the report tests.
import path from 'node:path';
import { parseConfig, type PautaConfig } from '../../src/config/load.ts';
import { targetAssignment } from '../../src/indicators/targets.ts';
import { importSends } from '../../src/messaging/import.ts';
import { writeSimulatedSends } from '../../src/messaging/simulated.ts';
import { markSimulated } from '../../src/report/meta.ts';
import type { Store } from '../../src/store/store.ts';
import { TARGETS_YAML, openTestStore, tempDir } from '../helpers/app.ts';
import { seedSimWorld } from './seed.ts';

export const SAMPLE_KEY_ENV = { PAUTA_MESSAGING_SALT: 'FfV9R3aPORuZ2C+gOtOYXRohxTHr1uB9v/FETc5aAto=' };

export function sampleConfig(): PautaConfig {
  return parseConfig(`${TARGETS_YAML}\nmessaging:\n  time_zone: America/Mexico_City\n`, 'sample.yaml', new Map());
}

export async function sampleStore(opts: { through?: string; simulated?: boolean; scale?: number; file?: string } = {}): Promise<{ store: Store; config: PautaConfig }> {
  const config = sampleConfig();
  const store = await openTestStore(opts.file);
  await store.syncTargets(targetAssignment(config.targets));
  await seedSimWorld(store, config.targets, '2021-09-01', opts.through ?? '2021-12-31');
  const files = writeSimulatedSends(path.join(tempDir('pauta-sends-'), 'sends'), { scale: opts.scale ?? 0.01 });
  for (const channel of ['sms', 'email'] as const) {
    const common = { channel, messaging: config.messaging, defaultTimeZone: 'UTC', env: SAMPLE_KEY_ENV };
    await importSends(store, { ...common, kind: 'programmed', file: files.programmed[channel] });
    await importSends(store, { ...common, kind: 'delivery', file: files.delivery[channel] });
  }
  if (opts.simulated ?? true) await markSimulated(store.db);
  return { store, config };
}
