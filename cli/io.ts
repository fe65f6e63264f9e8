/** Output streams of the CLI: standard output for results, standard error for progress and errors. */
export interface Io {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

export const PROCESS_IO: Io = { stdout: process.stdout, stderr: process.stderr };

export function writeLines(stream: NodeJS.WriteStream, lines: readonly string[]): void {
  if (lines.length > 0) stream.write(`${lines.join('\n')}\n`);
}
