// Where pauta looks for its files by default. Apart from load.ts so that a command can name them
// without loading the config parser.
import { UsageError } from '../core/errors.ts';

export const DEFAULT_CONFIG_PATH = 'config/pauta.yaml';
export const DEFAULT_DB_PATH = 'data/pauta.sqlite';
/** Where `pauta demo` writes its simulated data, apart from real data. */
export const DEMO_DB_PATH = 'data/demo.sqlite';

export function resolveConfigPath(explicit?: string): string {
  if (explicit !== undefined && explicit.trim() === '') throw new UsageError('--config: expected a file path, got ""');
  return explicit ?? (process.env.PAUTA_CONFIG || undefined) ?? DEFAULT_CONFIG_PATH;
}
