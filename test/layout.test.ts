/**
 * The layout stays easy to see: no two files import each other (directly or round a loop), no
 * folder imports src/ itself (only the public index.ts lives there), and the folders form layers —
 * their import graph has no loop, so each can be read knowing only the folders below it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** file → the src files it imports (static, re-exports and dynamic imports of relative paths). */
function importGraph(): Map<string, string[]> {
  const files = sourceFiles(SRC);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const deps = new Set<string>();
    for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = resolve(dirname(file), m[1].replace(/\.js$/, '.ts'));
      if (known.has(target)) deps.add(target);
    }
    graph.set(file, [...deps]);
  }
  return graph;
}

/** Strongly connected components with more than one member (Tarjan). */
function cycles<T>(graph: Map<T, T[]>): T[][] {
  let next = 0;
  const index = new Map<T, number>();
  const low = new Map<T, number>();
  const stack: T[] = [];
  const onStack = new Set<T>();
  const out: T[][] = [];
  const visit = (v: T): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: T[] = [];
      let w: T;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component);
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

const topFolder = (file: string): string => relative(SRC, file).split(/[\\/]/)[0];

describe('source layout', () => {
  const graph = importGraph();

  it('has no import cycles between files', () => {
    expect(cycles(graph).map((c) => c.map((f) => relative(SRC, f)).sort())).toEqual([]);
  });

  it('keeps only the public index in src/, and no folder imports it', () => {
    const atRoot = [...graph.keys()].filter((f) => dirname(f) === SRC).map((f) => relative(SRC, f));
    expect(atRoot).toEqual(['index.ts']);
    const upward = [...graph].flatMap(([f, deps]) => deps.filter((d) => dirname(d) === SRC).map((d) => `${relative(SRC, f)} → ${relative(SRC, d)}`));
    expect(upward).toEqual([]);
  });

  it('has folders that form layers (no two folders import each other, even round a loop)', () => {
    const folders = new Map<string, string[]>();
    for (const [file, deps] of graph) {
      if (dirname(file) === SRC) continue;
      const from = topFolder(file);
      const to = new Set(folders.get(from) ?? []);
      for (const d of deps) if (topFolder(d) !== from) to.add(topFolder(d));
      folders.set(from, [...to]);
    }
    expect(cycles(folders)).toEqual([]);
    // The lowest layer imports nothing of fidkit's.
    expect(folders.get('core') ?? []).toEqual([]);
  });
});
