// What the DV360 connector keeps between runs, in the source's connector state.
import { z } from 'zod';
import { isoDate } from '../../config/fields.ts';
import { stateKey } from '../state.ts';

/** The source's one saved Bid Manager query, with a fingerprint of the parameters it was made with. */
export const SAVED_QUERY = stateKey('saved_query', z.object({ queryId: z.string().min(1), fingerprint: z.string() }));

/** Bid Manager requests made on one day (Pacific time), against `requests_per_day`. */
export const REQUESTS_TODAY = stateKey('bid_manager_requests', z.object({ day: isoDate, count: z.number().int().nonnegative() }));
