/**
 * Output paths: the check that runs before check, compare and explore
 * search, and the path that a failed write names.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkOutputPaths } from '../cli/errors.ts';
import { writeFileAtomically } from '../engine/counterexample.ts';

const ROOT = join(import.meta.dirname, '..');

/** Permission bits do not stop root, so the tests of unwritable directories skip under root. */
const IS_ROOT = process.getuid?.() === 0;

function klpcheck(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['bin/klpcheck.mjs', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 110_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Returns a new temporary directory that contains a regular file named `afile`. */
function dirWithFile(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'klpcheck-paths-'));
  const file = join(dir, 'afile');
  writeFileSync(file, 'not a directory\n');
  return { dir, file };
}

describe('checkOutputPaths', () => {
  test('creates missing directories', () => {
    const { dir } = dirWithFile();
    expect(checkOutputPaths(join(dir, 'a', 'b'), join(dir, 'r', 'summary.md'))).toBeNull();
    expect(existsSync(join(dir, 'a', 'b'))).toBe(true);
    expect(existsSync(join(dir, 'r'))).toBe(true);
  });

  test('leaves no probe file', () => {
    const { dir } = dirWithFile();
    expect(checkOutputPaths(join(dir, 'cx'), join(dir, 'r.md'))).toBeNull();
    expect(readdirSync(join(dir, 'cx'))).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['afile', 'cx']);
  });

  test('out under a file', () => {
    const { dir, file } = dirWithFile();
    const message = checkOutputPaths(join(file, 'sub'), join(dir, 'r.md'));
    expect(message).toBe(`cannot use --out ${join(file, 'sub')}: ${file} is a file, not a directory. Choose another directory with --out.`);
  });

  test('out is a file', () => {
    const { dir, file } = dirWithFile();
    expect(checkOutputPaths(file, join(dir, 'r.md'))).toContain(`${file} is a file, not a directory`);
  });

  test('report under a file', () => {
    const { dir, file } = dirWithFile();
    const message = checkOutputPaths(join(dir, 'cx'), join(file, 'r.md'));
    expect(message).toBe(`cannot use --report ${join(file, 'r.md')}: ${file} is a file, not a directory. Choose another path with --report.`);
  });

  test('report is a directory', () => {
    const { dir } = dirWithFile();
    expect(checkOutputPaths(join(dir, 'cx'), dir)).toContain(`cannot use --report ${dir}: it is a directory, not a file.`);
  });

  test.skipIf(IS_ROOT)('unwritable out directory', () => {
    const { dir } = dirWithFile();
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    const message = checkOutputPaths(locked, join(dir, 'r.md'));
    expect(message).toContain(`failed to create a file in ${locked}: permission denied (EACCES)`);
    expect(checkOutputPaths(join(locked, 'sub'), join(dir, 'r.md'))).toContain('failed to create the directory');
  });
});

describe('writeFileAtomically errors', () => {
  test('name the requested path', () => {
    const { dir } = dirWithFile();
    const target = join(dir, 'taken');
    mkdirSync(join(target, 'inner'), { recursive: true });
    let caught: NodeJS.ErrnoException | undefined;
    try {
      writeFileAtomically(target, 'text\n');
    } catch (error) {
      caught = error as NodeJS.ErrnoException;
    }
    expect(caught?.path).toBe(target);
    expect(caught?.code).toMatch(/^(EISDIR|ENOTEMPTY|EEXIST)$/);
    expect(readdirSync(dir).sort()).toEqual(['afile', 'taken']);
  });

  test('under a file name the requested path', () => {
    const { file } = dirWithFile();
    const target = join(file, 'r.md');
    let caught: NodeJS.ErrnoException | undefined;
    try {
      writeFileAtomically(target, 'text\n');
    } catch (error) {
      caught = error as NodeJS.ErrnoException;
    }
    expect(caught?.path).toBe(target);
    // mkdir with parents reports a file in the way as EEXIST, other calls as ENOTDIR.
    expect(caught?.code).toMatch(/^(EEXIST|ENOTDIR)$/);
  });
});

describe('commands check output paths first', () => {
  test('check with out under a file', () => {
    const { dir, file } = dirWithFile();
    const run = klpcheck('check', '--out', join(file, 'sub'), '--report', join(dir, 'r.md'));
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`klpcheck: cannot use --out ${join(file, 'sub')}: ${file} is a file, not a directory. Choose another directory with --out.\n`);
    expect(run.stdout).toBe('');
  });

  test('compare with report under a file', () => {
    const { dir, file } = dirWithFile();
    const run = klpcheck('compare', '--out', join(dir, 'cx'), '--report', join(file, 'c.md'));
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`cannot use --report ${join(file, 'c.md')}: ${file} is a file`);
    expect(run.stderr).not.toContain('comparing the designs');
  });

  test('explore with out under a file', () => {
    const { dir, file } = dirWithFile();
    const run = klpcheck('explore', '--set', 'selftest-state', '--out', join(file, 'x'), '--report', join(dir, 'e.json'));
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`cannot use --out ${join(file, 'x')}: ${file} is a file`);
    expect(run.stderr).not.toContain('exploring');
  });

  test('explore with report under a file', () => {
    const { dir, file } = dirWithFile();
    const run = klpcheck('explore', '--set', 'selftest-state', '--out', join(dir, 'cx'), '--report', join(file, 'e.json'));
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`cannot use --report ${join(file, 'e.json')}: ${file} is a file`);
  });

  test('explore names the file it failed to write', () => {
    const { dir } = dirWithFile();
    mkdirSync(join(dir, 'e.md'));
    const run = klpcheck('explore', '--set', 'selftest-state', '--depth', '2', '--out', join(dir, 'cx'), '--report', join(dir, 'e.json'));
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`klpcheck: failed to write ${join(dir, 'e.md')}: it is a directory, not a file (EISDIR).`);
    expect(run.stderr).not.toContain('.tmp');
  });
});
