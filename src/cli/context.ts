/**
 * @file What every command's action receives besides its parsed arguments: the streams it writes to
 * (injected, so tests capture them) and a way to set the exit code. Commands import this, never
 * main.ts, which imports them.
 */

/** Where a command writes: results to stdout, progress/warnings/errors to stderr. */
export interface CliIo {
  readonly stdout: { write(chunk: string): unknown; isTTY?: boolean };
  readonly stderr: { write(chunk: string): unknown; isTTY?: boolean };
}

/** What a command's action receives besides its parsed arguments. */
export interface CommandContext {
  readonly io: CliIo;
  /** Set the process exit code (e.g. 1 when `verify` finds a failure). */
  setExitCode(code: number): void;
}
