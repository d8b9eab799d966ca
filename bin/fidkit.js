#!/usr/bin/env node
import { removeTemporaryFilesOnSignal, run } from '../dist/cli/main.js';

removeTemporaryFilesOnSignal(); // Ctrl-C never leaves a half-written file
process.exitCode = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
