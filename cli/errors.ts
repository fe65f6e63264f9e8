/** Errors of the file system that commands report as failures to write, with the path and the code. */

/** Returns the error if node:fs raised it for a path, else null. */
export function fileSystemError(error: unknown): (NodeJS.ErrnoException & { path: string }) | null {
  if (error instanceof Error && typeof (error as NodeJS.ErrnoException).path === 'string') {
    return error as NodeJS.ErrnoException & { path: string };
  }
  return null;
}
