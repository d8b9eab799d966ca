/**
 * Every code block of the README is checked here, so what a new user copies works as written:
 * - `js` blocks are the files in examples/ (same text); each runs, and prints the `text` block that
 *   follows it ("prints");
 * - `console` blocks run (`$ ` lines through `sh`, with `fidkit` the built CLI) and print what is
 *   shown, `…` standing for any text (a line of its own: any lines); blocks that need data nobody
 *   has (a ten-million-image folder) are only checked like `sh` blocks;
 * - in `sh`, `yaml` and `console` blocks and in inline code, every `fidkit <command> --flag` must be
 *   a command and flag of the CLI, and every `npm run X` a script of package.json;
 * - the `jsonc` schema names only fields that `fidkit score --json` writes; the `python` block reads
 *   members that `fidkit features` writes; the `npm start` table's ψ = 1 row is recomputed.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createCli } from '../src/cli/main.js';
import { readNpzFile } from '../src/io/npz.js';
import { ROOT } from './cli/run-cli.js';

interface Block {
  readonly lang: string;
  readonly text: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The README text between the previous block and this one. */
  readonly before: string;
}

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

function codeBlocks(md: string): Block[] {
  const out: Block[] = [];
  const re = /^```([a-z]*)\n([\s\S]*?)^```$/gm;
  let last = 0;
  for (const m of md.matchAll(re)) {
    out.push({ lang: m[1], text: m[2], line: md.slice(0, m.index).split('\n').length, before: md.slice(last, m.index) });
    last = m.index! + m[0].length;
  }
  return out;
}

const BLOCKS = codeBlocks(README);
const EXAMPLE = /^\/\/ (examples\/[a-z-]+\.mjs)\b/;

/** The `text` block right after `block` when the prose between them is "prints". */
function printedAfter(block: Block): string | undefined {
  const next = BLOCKS[BLOCKS.indexOf(block) + 1];
  return next?.lang === 'text' && /^\s*prints:?\s*$/i.test(next.before) ? next.text : undefined;
}

/** Whether `actual` matches `expected`, where `…` is any text and a line `…` any lines. */
function matchesShown(actual: string, expected: string): boolean {
  const a = actual.replace(/\s+$/, '').split('\n').map((l) => l.trimEnd());
  const e = expected.replace(/\s+$/, '').split('\n').map((l) => l.trimEnd());
  const lineRe = (l: string) => new RegExp(`^${l.split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  const match = (i: number, j: number): boolean => {
    if (j === e.length) return i === a.length;
    if (e[j] === '…') return Array.from({ length: a.length - i + 1 }, (_, k) => i + k).some((k) => match(k, j + 1));
    return i < a.length && lineRe(e[j]).test(a[i]) && match(i + 1, j + 1);
  };
  return match(0, 0);
}

/** Run a shell command with `fidkit` on the PATH as the built CLI; resolves with stdout (rejects on a non-zero exit). */
function shell(command: string, env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => (code === 0 ? resolve(stdout) : reject(new Error(`${command}: exit ${code ?? signal}\n${stderr}`))));
  });
}

/** An environment with `fidkit` (the built bin) first on the PATH and a fresh cache. */
function cliEnv(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'fidkit-readme-'));
  mkdirSync(join(dir, 'bin'));
  const shim = join(dir, 'bin', 'fidkit');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin', 'fidkit.js')}" "$@"\n`);
  chmodSync(shim, 0o755);
  return { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}`, FIDKIT_CACHE: join(dir, 'fidkit'), FIDKIT_OFFLINE: '1' };
}

// ── flags ────────────────────────────────────────────────────────────────────────────────────

const PROGRAM = createCli({ io: { stdout: { write: () => true }, stderr: { write: () => true } }, setExitCode: () => {} });

function commandAt(path: string[]): Command | undefined {
  let cmd: Command | undefined = PROGRAM;
  for (const name of path) cmd = cmd?.commands.find((c) => c.name() === name);
  return cmd;
}

function flagsOf(cmd: Command): Set<string> {
  return new Set(cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f)).concat(['--help', '-h']));
}

/** Every `fidkit <command> [sub] … --flag` in `text` (one command line), as [command path, flags]. */
function fidkitUses(text: string): { command: string; flags: string[] }[] {
  const out: { command: string; flags: string[] }[] = [];
  const parts = text.split(/(?:^|(?<=[\s"'`(]))(?:npx\s+)?fidkit\s+(?=[a-z][a-z|]*(?:\s|$))/);
  for (const part of parts.slice(1)) {
    const [command, sub] = part.split(/\s+/);
    out.push({ command: `${command} ${sub ?? ''}`.trim(), flags: [...part.matchAll(/(?<![\w$./-])(--?[a-zA-Z][a-zA-Z0-9-]*)/g)].map((m) => m[1]) });
  }
  return out;
}

/** Problems with one use: an unknown command or flag. */
function checkUse(use: { command: string; flags: string[] }): string[] {
  const [first, second = ''] = use.command.split(' ');
  const top = commandAt([first]);
  if (!top) return [`unknown command 'fidkit ${first}'`];
  // `fidkit latent interpolate|reconstruct|inpaint`: a flag must exist in one of the alternatives.
  const subs = second.split('|').map((s) => top.commands.find((c) => c.name() === s)).filter((c): c is Command => !!c);
  const candidates = subs.length > 0 ? subs : [top];
  const shown = subs.length > 0 ? `${first} ${second}` : first;
  return use.flags.filter((f) => !candidates.some((c) => flagsOf(c).has(f))).map((f) => `'fidkit ${shown}' has no flag ${f}`);
}

/** The command lines of a block: comments dropped, `\`-continued lines joined (yaml: the whole block). */
function commandLines(block: Block): string[] {
  const lines = block.text.split('\n');
  if (block.lang === 'console') return lines.filter((l) => l.startsWith('$ ')).map((l) => l.slice(2));
  const text = lines.map((l) => l.replace(/(^|\s)#.*$/, '')).join('\n').replace(/\\\n/g, ' ');
  return block.lang === 'yaml' ? [text.replace(/\n/g, ' ')] : text.split('\n');
}

const INLINE = [...README.matchAll(/`(fidkit [^`\n]+)`/g)].map((m) => m[1]);

/** Console blocks that cannot run here (they need the user's data); their flags are still checked. */
const NOT_RUN = ['fidkit stats big-dataset/'];

describe('README', () => {
  it('has only block kinds this file checks', () => {
    const known = ['js', 'text', 'console', 'sh', 'yaml', 'jsonc', 'python'];
    expect(BLOCKS.filter((b) => !known.includes(b.lang)).map((b) => `line ${b.line}: \`\`\`${b.lang}`)).toEqual([]);
    // A text block is an example's output or the `npm start` table.
    const texts = BLOCKS.filter((b) => b.lang === 'text');
    const explained = texts.filter((b) => BLOCKS[BLOCKS.indexOf(b) - 1]?.lang === 'js' || /What `npm start` shows/.test(b.before));
    expect(explained.length).toBe(texts.length);
    expect(texts.length).toBeGreaterThan(4);
  });

  it('names only commands and flags the CLI has, and npm scripts package.json has', () => {
    const problems: string[] = [];
    let uses = 0;
    for (const block of BLOCKS.filter((b) => ['sh', 'yaml', 'console'].includes(b.lang))) {
      for (const line of commandLines(block)) {
        for (const use of fidkitUses(line)) {
          uses++;
          problems.push(...checkUse(use).map((p) => `line ${block.line}: ${p}`));
        }
      }
    }
    for (const code of INLINE) for (const use of fidkitUses(code)) (uses++, problems.push(...checkUse(use).map((p) => `\`${code}\`: ${p}`)));
    expect(problems).toEqual([]);
    expect(uses).toBeGreaterThan(40);
    // The checker does catch a wrong flag and a wrong command.
    expect(checkUse(fidkitUses('fidkit score a b --metric fid')[0])).toEqual(["'fidkit score' has no flag --metric"]);
    expect(checkUse(fidkitUses('fidkit scores a b')[0])).toEqual(["unknown command 'fidkit scores'"]);

    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
    const named = [...README.matchAll(/\bnpm (?:run (\S+)|(start|test)\b)/g)].map((m) => (m[1] ?? m[2]).replace(/[^a-z:-].*$/, ''));
    expect(named).toEqual(expect.arrayContaining(['start', 'test', 'build', 'bench', 'pack']));
    expect(named.filter((s) => !(s in scripts))).toEqual([]);
  });

  it('shows each examples/ file as a js block, word for word', () => {
    const shown = BLOCKS.filter((b) => b.lang === 'js').map((b) => {
      const name = EXAMPLE.exec(b.text)?.[1];
      expect(name, `line ${b.line}: a js block starts with // examples/<name>.mjs`).toBeDefined();
      expect(b.text, `line ${b.line} differs from ${name}`).toBe(readFileSync(join(ROOT, name!), 'utf8'));
      return name;
    });
    expect(shown.sort()).toEqual(readdirSync(join(ROOT, 'examples')).map((f) => `examples/${f}`).sort());
  });

  for (const block of BLOCKS.filter((b) => b.lang === 'js')) {
    const name = EXAMPLE.exec(block.text)?.[1] ?? `line ${block.line}`;
    it(`${name} prints what the README shows`, async () => {
      const expected = printedAfter(block);
      expect(expected, `a "prints" text block follows ${name}`).toBeDefined();
      const stdout = await shell(`"${process.execPath}" ${name}`, cliEnv());
      expect(stdout).toBe(expected);
    }, 90_000);
  }

  for (const block of BLOCKS.filter((b) => b.lang === 'console' && !NOT_RUN.some((n) => b.text.startsWith(`$ ${n}`)))) {
    const first = block.text.split('\n')[0];
    it(`runs as shown: ${first}`, async () => {
      const env = cliEnv();
      // Each `$ ` line with the output lines under it.
      const steps = block.text.replace(/\n$/, '').split(/^\$ /m).slice(1).map((s) => {
        const [command, ...output] = s.split('\n');
        return { command, output: output.join('\n') };
      });
      for (const { command, output } of steps) {
        const stdout = await shell(command, env);
        expect(matchesShown(stdout, output), `${command}\n--- README:\n${output}\n--- printed:\n${stdout}`).toBe(true);
      }
    }, 90_000);
  }

  it('the `…` matcher matches what it should, and only that', () => {
    expect(matchesShown('a 1\nb\nc\n', 'a …\n…')).toBe(true);
    expect(matchesShown('a 1\nb\nc\n', 'a …\nc')).toBe(false);
    expect(matchesShown('a 1\nb\nc\n', 'a 1\n…\nc')).toBe(true);
    expect(matchesShown('x.y\n', 'x…y')).toBe(true);
    expect(matchesShown('xzy\n', 'x.y')).toBe(false);
  });

  it('the JSON schema block names only fields `fidkit score --json` writes', async () => {
    const block = BLOCKS.find((b) => b.lang === 'jsonc')!;
    const shown = new Set([...block.text.matchAll(/"([A-Za-z]+)":/g)].map((m) => m[1]));
    const images = join(ROOT, 'fixtures', 'images');
    const doc = JSON.parse(
      await shell(`fidkit score ${images}/set_a ${images}/set_b --metrics fid,is,kid,cmmd,pr,prdc --extractor inception --weights test:hash --kid-subset-size 5 --k 3 --json -q`, cliEnv()),
    );
    const written = new Set<string>();
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (written.add(k), walk(x));
    };
    walk(doc);
    expect(shown.size).toBeGreaterThan(30);
    expect([...shown].filter((k) => !written.has(k))).toEqual([]);
    expect(doc.schema).toBe(/"schema": "([^"]+)"/.exec(block.text)![1]);
  }, 60_000);

  it('the python block reads members `fidkit features` writes', async () => {
    const block = BLOCKS.find((b) => b.lang === 'python')!;
    const members = [...block.text.matchAll(/z\["([a-z]+)"\]/g)].map((m) => m[1]);
    expect(members).toEqual(['features', 'files']);
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-readme-py-'));
    await shell(`fidkit features 'mnist:test?n=20' --extractor mnist -o ${dir}/features.npz -q && fidkit features 'mnist:test?n=20' --extractor mnist -o ${dir}/features.npy -q`, cliEnv());
    const z = await readNpzFile(join(dir, 'features.npz'));
    expect(Object.keys(z)).toEqual(expect.arrayContaining(members));
    expect(z.features.shape).toEqual([20, 128]);
    expect(readFileSync(join(dir, 'features.txt'), 'utf8').split('\n').filter(Boolean)).toHaveLength(20);
  }, 60_000);

  it('the `npm start` table: its ψ = 1 row is what `fidkit score` gives for that row', async () => {
    const block = BLOCKS.find((b) => b.lang === 'text' && /What `npm start` shows/.test(b.before))!;
    const row = block.text.split('\n').find((l) => /^mnist-gan\s+1\s/.test(l))!.trim().split(/\s+/);
    const [, psi, n, isMean, isStd, fid, precision, recall, density, coverage] = row;
    expect(psi).toBe('1');
    // The sweep scores each row as this command does (seed 0 for the codes and the IS shuffle).
    const doc = JSON.parse(
      await shell(`fidkit score 'gen:mnist-gan?truncation=1&n=${n}&seed=0' mnist:test --extractor mnist --metrics is,fid,prdc --seed 0 --json -q`, cliEnv(), 120_000),
    );
    const m = doc.metrics;
    const shownAs = (value: number, text: string) => Number(value.toPrecision(text.replace(/^0\.|\./, '').replace(/^0+/, '').length));
    expect([m.is.mean, m.is.std, m.fid.value, m.prdc.precision, m.prdc.recall, m.prdc.density, m.prdc.coverage].map((v, i) => shownAs(v, [isMean, isStd, fid, precision, recall, density, coverage][i]))).toEqual(
      [isMean, isStd, fid, precision, recall, density, coverage].map(Number),
    );
  }, 150_000);
});
