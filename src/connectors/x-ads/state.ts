// What the X Ads connector keeps between runs, in the source's connector state.
import { z } from 'zod';
import type { DateWindow } from '../../core/dates.ts';
import { stateKeyFamily } from '../state.ts';

/**
 * The async jobs an account-window created, by the key of their parameters: a retry of the same
 * window reuses them instead of creating them again; deleted once the window is stored.
 */
export const windowJobs = stateKeyFamily(
  (accountId: string, window: DateWindow) => `jobs:${accountId}:${window.from}:${window.to}`,
  z.array(z.object({ key: z.string(), id: z.string().regex(/^\d+$/) })),
);
export type RememberedJob = z.infer<ReturnType<typeof windowJobs>['schema']>[number];

/** A country's targeting value (X's opaque id for it): it does not change. */
export const countryTargetingValue = stateKeyFamily((countryCode: string) => `targeting:countries:${countryCode}`, z.string().min(1));

/** Every region of a country as [targeting value, name]. */
export const countryRegions = stateKeyFamily((countryCode: string) => `targeting:regions:${countryCode}`, z.array(z.tuple([z.string(), z.string()])));
