/**
 * @file Error classes with stable codes. Expected failures (bad input, missing files,
 * failed checks) are `FidkitError`s: the CLI prints their message only and exits 1
 * (2 for `UsageError`). Anything else is a bug and is printed with its stack.
 */

/** Stable machine-readable codes; never renamed once released. */
export type ErrorCode =
  | 'E_INPUT' // malformed or inconsistent data (shapes, NaN, missing keys)
  | 'E_FORMAT' // a file that is not what its name says (.npy/.npz/.pth/image)
  | 'E_NOT_FOUND' // a path that does not exist
  | 'E_USAGE' // wrong flags or arguments
  | 'E_WEIGHTS' // weights missing, wrong hash, wrong architecture
  | 'E_CHECK' // a verification against reference numbers failed
  | 'E_WRITE'; // an output that cannot be written (permissions, read-only or full disk, a folder in the way)

export class FidkitError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FidkitError';
    this.code = code;
  }
}

/** Data that cannot give a correct number (mismatched shapes, non-finite values, too few samples). */
export class InputError extends FidkitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_INPUT', message, options);
    this.name = 'InputError';
  }
}

/** A file whose bytes are not the format it claims. */
export class FormatError extends FidkitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_FORMAT', message, options);
    this.name = 'FormatError';
  }
}

/** Wrong command-line usage; the CLI exits 2. */
export class UsageError extends FidkitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_USAGE', message, options);
    this.name = 'UsageError';
  }
}
