/**
 * Progress of a check run: a bar over all jobs on a terminal, and one plain
 * line per finished (model, property) when the output is a file or a pipe.
 */
import cliProgress from 'cli-progress';
import type { CheckProgress } from '../engine/check.ts';
import { sourceLabel } from '../engine/check.ts';
import { pairProgressLine } from '../render/terminal.ts';

export interface ProgressReporter {
  readonly onProgress: (event: CheckProgress) => void;
  /** Removes the bar; call before printing anything else. */
  stop(): void;
}

function barReporter(stream: NodeJS.WriteStream): ProgressReporter {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: '{bar} {percentage}% | {duration_formatted} | {task}',
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let runs = 1;

  const onProgress = (event: CheckProgress): void => {
    switch (event.kind) {
      case 'start':
        runs = event.runs;
        bar.start(event.jobs * runs, 0, { task: '' });
        started = true;
        break;
      case 'job': {
        const task = `${event.model} ${event.property} on ${sourceLabel(event.source)}`;
        bar.update(event.job * runs + event.done, { task });
        break;
      }
      case 'pair':
        bar.update(event.jobsDone * runs, { task: `${event.pair}/${event.pairs} (model, property) pairs done` });
        break;
    }
  };
  return {
    onProgress,
    stop: () => {
      if (started) bar.stop();
    },
  };
}

function lineReporter(write: (line: string) => void): ProgressReporter {
  return {
    onProgress: (event) => {
      if (event.kind === 'start') write(`checking ${event.pairs} (model, property) pairs in ${event.jobs} patch-set jobs`);
      if (event.kind === 'pair') write(pairProgressLine(event.result, event.pair, event.pairs));
    },
    stop: () => {},
  };
}

/** Creates a bar when `stream` is a terminal, else a reporter that writes plain lines to `stream`. */
export function progressReporter(stream: NodeJS.WriteStream): ProgressReporter {
  if (stream.isTTY) return barReporter(stream);
  return lineReporter((line) => stream.write(`${line}\n`));
}
