/**
 * @file Start-up timeline for `NODE_DEBUG=fidkit`: each mark prints what was reached and the
 * milliseconds since the process started (`performance.now()` counts from the process's time
 * origin), e.g. `FIDKIT 123: inception session ready (optimised graph) at 640 ms`. bench/stats-e2e.ts
 * reads these to report the time before the first batch. Silent unless NODE_DEBUG names fidkit.
 */
import { debuglog } from 'node:util';

const debug = debuglog('fidkit');

/** Prints `label at <ms since process start> ms` under NODE_DEBUG=fidkit. */
export function mark(label: string): void {
  debug('%s at %d ms', label, Math.round(performance.now()));
}
