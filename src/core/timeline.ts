/**
 * @file Start-up timeline for `NODE_DEBUG=fidkit`: each mark prints what was reached and the
 * milliseconds since the process started (`performance.now()` counts from the process's time
 * origin) and the CPU milliseconds this process has used by then (all its threads), e.g.
 * `FIDKIT 123: inception session ready (optimised graph) at 640 ms (710 ms CPU)`: on a shared machine
 * the wall time before the first batch depends on the load, the CPU time much less.
 * bench/stats-e2e.ts reads these to report the time before the first batch. Silent unless NODE_DEBUG
 * names fidkit.
 */
import { debuglog } from 'node:util';

const debug = debuglog('fidkit');

/** Prints `label at <ms since process start> ms (<CPU ms> ms CPU)` under NODE_DEBUG=fidkit. */
export function mark(label: string): void {
  if (!debug.enabled) return;
  const cpu = process.cpuUsage();
  debug('%s at %d ms (%d ms CPU)', label, Math.round(performance.now()), Math.round((cpu.user + cpu.system) / 1000));
}
