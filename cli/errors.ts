/**
 * Errors of the file system that commands report as failures to write, with
 * the path and the reason, and the check of output paths before a run.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Returns the error if node:fs raised it for a path, else null. */
export function fileSystemError(error: unknown): (NodeJS.ErrnoException & { path: string }) | null {
  if (error instanceof Error && typeof (error as NodeJS.ErrnoException).path === 'string') {
    return error as NodeJS.ErrnoException & { path: string };
  }
  return null;
}

const FS_CODE_TEXT: Readonly<Record<string, string>> = {
  EEXIST: 'a file is in the way where a directory is needed',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'it is a directory, not a file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  ENOENT: 'the file system refuses to create it there',
};

/** Plain words for a node:fs error code, with the code itself for searching. */
export function describeFsCode(code: string | undefined): string {
  const text = code ? FS_CODE_TEXT[code] : undefined;
  return text ? `${text} (${code})` : (code ?? 'unknown error');
}

/** Returns `path` if it exists, else its deepest existing ancestor. */
function existingAncestor(path: string): string {
  let current = path;
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

/**
 * Creates the missing directories from an existing ancestor down to
 * `directory`, one level at a time. A recursive mkdirSync loops without end
 * where a file system returns ENOENT for every creation, as /proc does.
 */
function createBelow(existing: string, directory: string): void {
  const missing: string[] = [];
  for (let current = directory; current !== existing; current = dirname(current)) missing.unshift(current);
  for (const path of missing) mkdirSync(path);
}

/**
 * Creates a directory with its parents, as the writers of output files do,
 * and creates and removes a temporary file in it. Returns why files cannot be
 * written there, or null when they can.
 */
function directoryProblem(directory: string): string | null {
  const existing = existingAncestor(directory);
  if (!statSync(existing).isDirectory()) return `${existing} is a file, not a directory`;
  try {
    createBelow(existing, directory);
  } catch (error) {
    const fsError = fileSystemError(error);
    if (!fsError) throw error;
    return `failed to create the directory ${directory}: ${describeFsCode(fsError.code)}`;
  }
  const probe = join(directory, `.klpcheck-write-test.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  } catch (error) {
    const fsError = fileSystemError(error);
    if (!fsError) throw error;
    return `failed to create a file in ${directory}: ${describeFsCode(fsError.code)}`;
  }
  return null;
}

/**
 * Checks before a long run that files can be written in the output directory
 * and at the report path, so that a bad path fails at once and not after the
 * search. Creates both directories when they are missing. Returns an error
 * message, or null when both paths are usable.
 */
export function checkOutputPaths(outDir: string, report: string): string | null {
  const outProblem = directoryProblem(outDir);
  if (outProblem) {
    return `cannot use --out ${outDir}: ${outProblem}. Choose another directory with --out.`;
  }
  if (existsSync(report) && statSync(report).isDirectory()) {
    return `cannot use --report ${report}: it is a directory, not a file. Give the path of a file with --report.`;
  }
  const reportProblem = directoryProblem(dirname(report));
  if (reportProblem) {
    return `cannot use --report ${report}: ${reportProblem}. Choose another path with --report.`;
  }
  return null;
}
