#!/usr/bin/env node
// The CLI is compiled into dist/ by `npm run build` (`npm start`, `npm test` and `npm run pack` build first).
const cli = await import('../dist/cli/main.js').catch((err) => {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('main.js')) throw err;
  process.stderr.write(`fidkit: the CLI is not built (${new URL('../dist/cli/main.js', import.meta.url).pathname} is missing): run \`npm run build\` in the fidkit folder\n`);
  process.exit(1);
});
cli.removeTemporaryFilesOnSignal(); // Ctrl-C never leaves a half-written file
// A reader that stops early (`fidkit sweep --help | head`) closes the pipe: stop quietly, as Unix tools do.
process.stdout.on('error', (err) => {
  if (err?.code !== 'EPIPE') throw err;
  process.exit(0);
});
process.exitCode = await cli.run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
