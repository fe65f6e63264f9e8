import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
/** Errors of the file system that commands report as failures to write, with the path and the code. */

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
};

/** Plain words for a node:fs error code, with the code itself for searching. */
export function describeFsCode(code: string | undefined): string {
  const text = code ? FS_CODE_TEXT[code] : undefined;
  return text ? `${text} (${code})` : (code ?? 'unknown error');
}

/**
 * Checks before a long run that the output directory and the report path can be
 * written, so that a bad path fails at once and not after the search.
 * Returns an error message, or null when both are usable.
 */
export function checkOutputPaths(outDir: string, report: string): string | null {
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) {
    return `--out ${outDir} is a file, not a directory. Give a directory for the counterexample files.`;
  }
  if (existsSync(report) && statSync(report).isDirectory()) {
    return `--report ${report} is a directory, not a file. Give a file path such as ${report.replace(/\/+$/, '')}/summary.md.`;
  }
  const reportDir = dirname(report);
  if (existsSync(reportDir) && !statSync(reportDir).isDirectory()) {
    return `--report ${report}: ${reportDir} is a file, not a directory. Give a report path in a directory.`;
  }
  return null;
}
