import { describe, expect, it } from 'vitest';
import { extractorEntry, extractorNames, extractorSpecs, loadExtractor, protocolNames, registerExtractor, resolveExtractorName, type ExtractorSpec } from '../../src/features/registry.js';
import { weightsFor } from '../../src/api/inputs.js';
import { checkOptions, runtimeChoices } from '../../src/options/schema.js';

const stub = (over: Partial<ExtractorSpec>): ExtractorSpec => ({
  name: 'stub',
  description: 'a test stub',
  layers: { a: 4, b: null },
  defaultLayers: { fid: 'a', kid: 'a', prdc: 'a', is: 'b' },
  protocols: ['p1', 'p2'],
  weights: { kind: 'argument', what: 'a file' },
  batchSize: 7,
  load: async () => {
    throw new Error('not loaded in this test');
  },
  ...over,
});

describe('the extractor table', () => {
  it('declares the built-ins once: layers with widths, default layer per metric, protocols, weights, batch size', () => {
    const inception = extractorEntry('inception');
    expect(inception.layers).toEqual({ pool3: 2048, logits_unbiased: 1008, logits: 1008, pool_64: 64, pool_192: 192, pool_768: 768 });
    expect(inception.defaultLayers).toEqual({ fid: 'pool3', kid: 'pool3', prdc: 'pool3', is: 'logits_unbiased' });
    expect(inception.protocols).toEqual(['tf', 'pytorch-fid', 'clean']);
    expect(inception.weights.kind).toBe('download');
    if (inception.weights.kind === 'download') {
      expect(inception.weights.file.sha256).toBe('6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2');
      expect(inception.weights.file.urls[0]).toBe('https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth');
    }
    expect(inception.batchSize).toBe(50);
    const mnist = extractorEntry('mnist');
    expect(mnist.layers).toEqual({ logits: 10, features: 128 });
    expect(mnist.defaultLayers).toEqual({ fid: 'features', kid: 'features', prdc: 'features', is: 'logits' });
    expect(mnist.protocols).toEqual(['mnist-luma']);
    expect(mnist.weights.kind).toBe('bundled');
    expect(mnist.batchSize).toBe(500);
    expect(extractorNames().slice(0, 2)).toEqual(['inception', 'mnist']);
    expect(protocolNames().slice(0, 4)).toEqual(['tf', 'pytorch-fid', 'clean', 'mnist-luma']);
    // The options schema reads its choices from the table.
    expect(runtimeChoices.extractors()).toEqual(extractorNames());
    expect(runtimeChoices.weightedExtractors()).toContain('inception');
  });

  it('rejects malformed entries with the reason', () => {
    expect(() => registerExtractor(stub({ name: 'Bad Name' }))).toThrow("invalid extractor name 'Bad Name': use lower-case letters, digits and '-', starting with a letter");
    expect(() => registerExtractor(stub({ name: 'inception' }))).toThrow("an extractor named 'inception' is already registered");
    expect(() => registerExtractor(stub({ name: 'stub-x', defaultLayers: { fid: 'a', kid: 'a', prdc: 'c', is: 'b' } }))).toThrow(
      "extractor 'stub-x': default prdc layer 'c' is not one of its layers (a, b)",
    );
    expect(() => registerExtractor(stub({ name: 'stub-y', protocols: [] }))).toThrow("extractor 'stub-y' declares no protocols");
    expect(extractorSpecs().some((e) => e.name.startsWith('stub'))).toBe(false);
  });

  it('resolves plain and parametrised names and lists the valid ones on a miss', async () => {
    registerExtractor(stub({ name: 'stub-arg', argument: 'PATH.onnx' }));
    expect(extractorNames()).toContain('stub-arg:PATH.onnx');
    expect(resolveExtractorName('stub-arg:/x/y.onnx')).toMatchObject({ spec: { name: 'stub-arg' }, argument: '/x/y.onnx' });
    expect(() => resolveExtractorName('stub-arg')).toThrow("extractor 'stub-arg' needs an argument: extractor: 'stub-arg:PATH.onnx'");
    expect(() => resolveExtractorName('vgg99')).toThrow(/^unknown extractor 'vgg99'; valid extractors: inception, mnist, /);
    await expect(loadExtractor('stub-arg:a.onnx', { protocol: 'tf' })).rejects.toThrow("extractor 'stub-arg' takes protocols p1, p2, not 'tf': drop the protocol option or pass one of those");
  });

  it('gives each extractor its weights: --weights-<name> first, --weights for the main extractor only', () => {
    expect(weightsFor('inception', { weights: 'a.pth' })).toBe('a.pth');
    expect(weightsFor('mnist', { weights: 'a.pth' })).toBeUndefined();
    expect(weightsFor('mnist', { weights: 'a.pth', extractor: 'mnist' })).toBe('a.pth');
    expect(weightsFor('inception', { weights: 'a.pth', extractorWeights: { inception: 'b.pth' } })).toBe('b.pth');
    expect(weightsFor('mnist', { weights: 'a.pth', extractorWeights: { mnist: 'dir' } })).toBe('dir');
    expect(() => checkOptions('score', { extractorWeights: { nope: 'x' } })).toThrow("score(): extractorWeights: unknown extractor 'nope'; extractors with weights: inception, mnist");
    expect(() => checkOptions('score', { extractorWeights: { mnist: 3 } })).toThrow('score(): extractorWeights.mnist: expected a non-empty text but received 3');
  });
});
