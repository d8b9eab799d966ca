/**
 * @file fidkit's version, read from package.json at run time (one level above both src/ and
 * dist/), so reports and cache keys always carry the installed version.
 */
import { readFileSync } from 'node:fs';

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
