/**
 * Progress of a check or compare run: a bar on a terminal, and plain lines
 * when the output is a file or a pipe (one per finished (model, property),
 * and the stages of a comparison).
 */
import cliProgress from 'cli-progress';
import type { CheckProgress } from '../engine/check.ts';
import { sourceLabel } from '../engine/check.ts';
import type { CompareProgress } from '../engine/compare.ts';
import { pairProgressLine } from '../render/terminal.ts';

export interface ProgressReporter {
  readonly onProgress: (event: CheckProgress) => void;
  readonly onCompareProgress: (event: CompareProgress) => void;
  /** Removes the bar; call before printing anything else. */
  stop(): void;
}

/** Bar units per check job, so that jobs of models with different runs each fill the same share. */
const UNITS_PER_JOB = 1000;

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
  const start = (total: number, task: string): void => {
    if (started) bar.stop();
    bar.start(total, 0, { task });
    started = true;
  };

  const onProgress = (event: CheckProgress): void => {
    switch (event.kind) {
      case 'start':
        start(event.jobs * UNITS_PER_JOB, '');
        break;
      case 'job': {
        const task = `${event.model} ${event.property} on ${sourceLabel(event.source)}`;
        bar.update(event.job * UNITS_PER_JOB + Math.round((event.done / event.runs) * UNITS_PER_JOB), { task });
        break;
      }
      case 'pair':
        bar.update(event.jobsDone * UNITS_PER_JOB, { task: `${event.pair}/${event.pairs} (model, property) pairs done` });
        break;
    }
  };

  // The comparison's bar counts its sequences, then one unit per class it shrinks.
  let compareRuns = 0;
  const onCompareProgress = (event: CompareProgress): void => {
    switch (event.kind) {
      case 'start':
        compareRuns = event.runs;
        start(event.runs + 1, 'comparing the designs');
        break;
      case 'run':
        bar.update(event.done, { task: `comparing the designs: ${event.done}/${event.runs} sequences` });
        break;
      case 'shrink':
        bar.update(compareRuns + event.index / event.classes, { task: `shrinking the ${event.class} example` });
        break;
    }
  };

  return {
    onProgress,
    onCompareProgress,
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
    onCompareProgress: (event) => {
      if (event.kind === 'start') write(`comparing the designs on ${event.runs} sequences`);
      if (event.kind === 'shrink' && event.index === 0) write('shrinking one example per divergence class');
    },
    stop: () => {},
  };
}

/** Creates a bar when `stream` is a terminal, else a reporter that writes plain lines to `stream`. */
export function progressReporter(stream: NodeJS.WriteStream): ProgressReporter {
  if (stream.isTTY) return barReporter(stream);
  return lineReporter((line) => stream.write(`${line}\n`));
}
