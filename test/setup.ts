// Every test run gets its own empty cache folder, so tests never read or fill the user's cache.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

process.env.FIDKIT_CACHE = mkdtempSync(join(tmpdir(), 'fidkit-test-cache-'));
delete process.env.FIDKIT_OFFLINE;
