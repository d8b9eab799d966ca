/**
 * @file The `fidkit` command line: builds the commander program from one file per command and
 * runs it with injected streams, so tests call {@link run} directly and `bin/fidkit.js` is two
 * lines. One wrapper maps every outcome to an exit code: 0 success, 1 bad input or a failed
 * check (message only), 2 usage error; an unexpected exception prints its stack and a bug hint.
 * Commands never call `process.exit`.
 */
import { Command, CommanderError } from 'commander';
import { FidkitError, UsageError } from '../core/errors.js';
import { mark } from '../core/timeline.js';
import { VERSION } from '../core/version.js';
import type { CliIo, CommandContext } from './context.js';
export type { CliIo, CommandContext } from './context.js';
export { removeTemporaryFilesOnSignal } from '../io/atomic-write.js';
import { registerCache } from './cache.js';
import { registerExtractors } from './extractors.js';
import { registerFeatures } from './features.js';
import { registerLatent } from './latent.js';
import { addCommonOptions } from './options.js';
import { registerSample } from './sample.js';
import { registerScore } from './score.js';
import { registerStats } from './stats.js';
import { registerSweep } from './sweep.js';
import { registerTrain } from './train.js';
import { registerVerify } from './verify.js';
import { asCliUser } from '../options/mention.js';

/** Build the program; exported so tests can inspect options without running anything. */
export function createCli(ctx: CommandContext): Command {
  const program = new Command('fidkit')
    .description('Inception Score, FID, KID and precision/recall for generative image models')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    // Each command's options belong to that command (stats and stats merge both have -o).
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.stdout.write(s), writeErr: (s) => ctx.io.stderr.write(s) });
  registerScore(program, ctx);
  registerStats(program, ctx);
  registerFeatures(program, ctx);
  registerVerify(program, ctx);
  registerExtractors(program, ctx);
  registerCache(program, ctx);
  registerTrain(program, ctx);
  registerSweep(program, ctx);
  registerLatent(program, ctx);
  registerSample(program, ctx);
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  // The common flags (-q) are added here, once, so no command can miss them; each action reads them from its flags.
  for (const cmd of all(program).slice(1)) {
    addCommonOptions(cmd);
    cmd.exitOverride().configureOutput({ writeOut: (s) => ctx.io.stdout.write(s), writeErr: (s) => ctx.io.stderr.write(s) });
  }
  return program;
}

/**
 * Run the CLI with the given arguments (without `node` and the script path).
 * @returns the exit code
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  mark('cli modules loaded');
  let exitCode = 0;
  const ctx: CommandContext = { io, setExitCode: (code) => (exitCode = Math.max(exitCode, code)) };
  const program = createCli(ctx);
  try {
    await asCliUser(() => program.parseAsync(argv, { from: 'user' })); // messages name flags, not option keys
    return exitCode;
  } catch (err) {
    return reportError(err, io);
  }
}

function reportError(err: unknown, io: CliIo): number {
  if (err instanceof CommanderError) {
    // Help and --version end through this path with code 0; commander has printed the message already.
    if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
    return 2;
  }
  if (err instanceof UsageError) {
    io.stderr.write(`fidkit: ${err.message}\n(run with --help for usage)\n`);
    return 2;
  }
  if (err instanceof FidkitError) {
    io.stderr.write(`fidkit: ${err.message}\n`);
    return 1;
  }
  const e = err as Error;
  io.stderr.write(
    `fidkit: unexpected error — this is a bug, please report it with the command you ran:\n${e?.stack ?? String(err)}\n`,
  );
  return 1;
}
