/**
 * @file The build-worker plumbing (src/features/model-build.ts) carries a worker's error back as what it
 * was: a FidkitError keeps its class and code, anything else its message; and nothing is left behind.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FidkitError } from '../../src/core/errors.js';
import { writeClipModelFile } from '../../src/features/clip/build.js';
import { writeVgg16ModelFile } from '../../src/features/vgg16/build.js';

const dir = mkdtempSync(join(tmpdir(), 'fidkit-model-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('model builds in a worker thread', () => {
  it("rethrows the worker's FidkitError as a FidkitError with its code and message, and leaves no file", async () => {
    const notPth = join(dir, 'not-a-checkpoint.pth');
    writeFileSync(notPth, 'hello');
    const err = await writeVgg16ModelFile(join(dir, 'vgg16.onnx'), { kind: 'pth', path: notPth }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FidkitError);
    expect((err as FidkitError).code).toBe('E_FORMAT');
    expect((err as FidkitError).message).toContain(notPth);
    expect(readdirSync(dir)).toEqual(['not-a-checkpoint.pth']);
  });

  it("rethrows any other error with the worker's message (an unknown CLIP model name)", async () => {
    const err = await writeClipModelFile(join(dir, 'clip.onnx'), 'clip-vit-x-99', { kind: 'hash' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(FidkitError);
    expect((err as Error).message).toMatch(/^no CLIP model 'clip-vit-x-99' \(known: clip-vit-b-32, /);
    expect((err as Error).stack).toContain('clipModel');
    expect(readdirSync(dir)).toEqual(['not-a-checkpoint.pth']);
  });
});
