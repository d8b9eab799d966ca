/**
 * @file Compatibility shim while the commands move onto the options schema (issue 11): the
 * vocabularies and defaults live once, in options/schema.ts, and are re-exported here for the
 * modules that still import them from this path.
 */
export { DEFAULTS, FID_SINGULAR_MODES, METRICS, PROTOCOLS, type FidSingularMode, type MetricName, type Protocol } from './options/schema.js';
