import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareCodePoints, IMAGE_EXTENSIONS, listImages } from '../../src/io/folder.js';

const root = mkdtempSync(join(tmpdir(), 'fidkit-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Make a folder with the given relative files (contents do not matter: listing never decodes). */
function tree(name: string, files: string[]): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const f of files) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), 'x');
  }
  return dir;
}

describe('listImages', () => {
  it("lists pytorch-fid's extensions in any case, sorted by code point, counting other files", async () => {
    // 'ﬀ' (U+FB00) sorts before '😀' (U+1F600) by code point, after it by UTF-16 unit (0xFB00 > 0xD83D):
    // Python's sorted() gives the code-point order.
    const dir = tree('mixed', ['b.png', 'a.PNG', 'B.jpg', '_x.Jpeg', 'é.webp', '😀.png', 'ﬀ.tif', 'c.TIFF', 'd.bmp',
      'e.ppm', 'f.pgm', 'notes.txt', 'README', 'g.gif', '.hidden.png', '._a.png']);
    const { files, ignored, subfolders, hidden } = await listImages(dir);
    const names = files.map((f) => f.slice(dir.length + 1));
    expect(names).toEqual(['B.jpg', '_x.Jpeg', 'a.PNG', 'b.png', 'c.TIFF', 'd.bmp', 'e.ppm', 'f.pgm', 'é.webp', 'ﬀ.tif', '😀.png']);
    expect(ignored).toBe(3); // notes.txt, README, g.gif
    expect(hidden).toBe(2); // skipped as torch-fidelity's glob.glob does
    expect(subfolders).toBe(0);
    // pytorch-fid's pathlib glob lists hidden files too.
    const all = await listImages(dir, { includeHidden: true });
    expect(all.files.slice(0, 2).map((f) => f.slice(dir.length + 1))).toEqual(['._a.png', '.hidden.png']);
    expect(all.hidden).toBe(0);
    expect(IMAGE_EXTENSIONS).toEqual(['bmp', 'jpeg', 'jpg', 'pgm', 'png', 'ppm', 'tif', 'tiff', 'webp']);
  });

  it('compareCodePoints orders astral characters by code point, unlike the default sort', () => {
    const words = ['😀', 'ﬀ', 'z', 'Z', 'é'];
    expect([...words].sort()).toEqual(['Z', 'z', 'é', '😀', 'ﬀ']);
    expect([...words].sort(compareCodePoints)).toEqual(['Z', 'z', 'é', 'ﬀ', '😀']);
    expect(compareCodePoints('ab', 'abc')).toBeLessThan(0);
    expect(compareCodePoints('a😀b', 'a😀b')).toBe(0);
  });

  it('enters subfolders only with recursive, sorting full paths', async () => {
    const dir = tree('nested', ['m.png', 'a/z.png', 'a/b/y.jpg', 'a-b/x.png', 'sub/notes.md']);
    const flat = await listImages(dir);
    expect(flat.files.map((f) => f.slice(dir.length + 1))).toEqual(['m.png']);
    expect(flat.subfolders).toBe(3);
    const deep = await listImages(dir, { recursive: true });
    // '-' (0x2D) < '/' (0x2F): "a-b/x.png" before "a/b/y.jpg", as Python's sorted() on path strings.
    expect(deep.files.map((f) => f.slice(dir.length + 1))).toEqual(['a-b/x.png', 'a/b/y.jpg', 'a/z.png', 'm.png']);
    expect(deep.ignored).toBe(1);
    expect(deep.subfolders).toBe(0);
  });

  it('follows symbolic links to files and folders, survives loops, ignores dangling links', async () => {
    const outside = tree('outside', ['o.png', 'inner/i.png']);
    const dir = tree('links', ['a.png']);
    symlinkSync(join(outside, 'o.png'), join(dir, 'linked.png'));
    symlinkSync(join(outside, 'inner'), join(dir, 'linkdir'));
    symlinkSync(dir, join(dir, 'loop'));
    symlinkSync(join(root, 'missing.png'), join(dir, 'dangling.png'));
    const flat = await listImages(dir);
    expect(flat.files.map((f) => f.slice(dir.length + 1))).toEqual(['a.png', 'linked.png']);
    expect(flat.ignored).toBe(1);
    const deep = await listImages(dir, { recursive: true });
    expect(deep.files.map((f) => f.slice(dir.length + 1))).toEqual(['a.png', 'linkdir/i.png', 'linked.png']);
  });

  it('restricts to the given extensions, with or without dot, any case', async () => {
    const dir = tree('ext', ['a.png', 'b.JPG', 'c.webp']);
    const { files, ignored } = await listImages(dir, { extensions: ['.PNG', 'jpg'] });
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['a.png', 'b.JPG']);
    expect(ignored).toBe(1);
  });
});

describe('listImages errors say what is wrong and how to fix it', () => {
  it('nonexistent path', async () => {
    const p = join(root, 'nope');
    await expect(listImages(p)).rejects.toMatchObject({ code: 'E_NOT_FOUND', message: `folder not found: ${p}: check the path` });
  });

  it('a file instead of a folder', async () => {
    const p = join(tree('afile', ['x.png']), 'x.png');
    await expect(listImages(p)).rejects.toMatchObject({
      code: 'E_INPUT',
      message: `${p} is a file, not a folder: pass the folder that holds the images`,
    });
  });

  it('empty folder', async () => {
    const p = tree('empty', []);
    await expect(listImages(p)).rejects.toThrow(
      `${p} has 0 images with extensions bmp,jpeg,jpg,pgm,png,ppm,tif,tiff,webp (it is empty): check the path or pass the extensions option`,
    );
  });

  it('only other files', async () => {
    const p = tree('texts', ['a.txt', 'b.csv', '.c.png']);
    await expect(listImages(p, { extensions: ['png'] })).rejects.toThrow(
      `${p} has 0 images with extensions png (2 other files ignored, 1 hidden file skipped): check the path or pass the extensions option`,
    );
  });

  it('no images but subfolders: hint --recursive', async () => {
    const p = tree('classes', ['cat/1.png', 'dog/2.png']);
    await expect(listImages(p)).rejects.toThrow(
      `${p} has no images (bmp,jpeg,jpg,pgm,png,ppm,tif,tiff,webp) but 2 subfolders: pass recursive: true to include the images in subfolders`,
    );
    expect((await listImages(p, { recursive: true })).files).toHaveLength(2);
  });

  it('unreadable file is named', async () => {
    const dir = tree('locked', ['a.png', 'b.png']);
    chmodSync(join(dir, 'b.png'), 0o000);
    const message = `cannot read ${join(dir, 'b.png')}: permission denied: fix its permissions (chmod a+r) or remove it`;
    if (process.getuid?.() !== 0) {
      await expect(listImages(dir)).rejects.toThrow(message);
      return;
    }
    // root reads every file whatever its mode bits (CI runs as root): check as the unprivileged
    // user 'nobody' in a child process instead.
    chmodSync(root, 0o755);
    const script = `import(${JSON.stringify(pathToFileURL(join(__dirname, '..', '..', 'src', 'io', 'folder.ts')).href)})
      .then((m) => m.listImages(process.argv[1])).then(() => console.log('no error'), (e) => console.log(e.message));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir], {
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      env: { ...process.env, HOME: tmpdir(), TSX_TSCONFIG_PATH: undefined },
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(message);
  });
});
