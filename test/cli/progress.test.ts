import { afterEach, describe, expect, it, vi } from 'vitest';
import { LINE_INTERVAL_S, Progress, ProgressReporter, stepsFormat } from '../../src/cli/progress.js';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, isTTY, write: (c: string) => chunks.push(c) };
}

describe('Progress (one reporter for images and steps)', () => {
  const ci = process.env.CI;
  afterEach(() => {
    vi.useRealTimers();
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
  });

  it('writes plain lines off a terminal: one per interval and one at the end', () => {
    vi.useFakeTimers();
    const s = stream(false);
    const p = new Progress(s, stepsFormat('train'));
    p.start(100, 0, 'loss -');
    p.update(10, 'loss 0.5');
    expect(s.chunks).toEqual([]);
    vi.advanceTimersByTime(LINE_INTERVAL_S * 1000);
    p.update(50, 'loss 0.25');
    p.update(60, 'loss 0.2');
    p.end(100, 'loss 0.1');
    expect(s.chunks).toEqual(['step 50/100: loss 0.25\n', 'step 100/100: loss 0.1\n']);
  });

  it('draws a bar on a terminal, and nothing once ended', () => {
    delete process.env.CI;
    const s = stream(true);
    const p = new Progress(s, stepsFormat('fit'));
    p.start(4, 0, 'best MSE 1');
    p.end(4, 'best MSE 0.5');
    const text = s.chunks.join('');
    expect(text).toContain('fit |');
    expect(text).toContain('4/4 steps | best MSE 0.5');
    const before = s.chunks.length;
    p.update(4, 'late');
    expect(s.chunks.length).toBe(before);
  });

  it('treats CI as no terminal', () => {
    process.env.CI = 'true';
    const s = stream(true);
    const r = new ProgressReporter(s);
    r.update('set_a', { type: 'start', done: 0, total: 3 } as never);
    r.update('set_a', { type: 'end', done: 3, total: 3 } as never);
    expect(s.chunks).toHaveLength(1);
    expect(s.chunks[0]).toMatch(/^set_a: 3\/3 images, [\d.]+ img\/s, done in [\d.]+ s\n$/);
  });
});
