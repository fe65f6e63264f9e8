/**
 * Replays every counterexample and scenario file under counterexamples/. A
 * file fails when its stored verdict is no longer reproduced (for a scenario
 * with stored events: when the events differ), and the failure shows the
 * stored and the new kernel log. An empty directory passes.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

import { replayCompareFile } from '../engine/compare.ts';
import { compareFileName, readCompareFile } from '../engine/compare-file.ts';
import { counterexampleFileName, type InputFile, readInputFile } from '../engine/counterexample.ts';
import { replayFile } from '../engine/replay.ts';
import { CATALOGUE } from '../model/catalogue/index.ts';
import { MODELS } from '../model/index.ts';
import { ALL_PROPERTIES } from '../properties/index.ts';
import { compareReplayLines } from '../render/compare.ts';
import { replayLines } from '../render/terminal.ts';

const DIRECTORY = 'counterexamples';
const files = readdirSync(DIRECTORY)
  .filter((name) => name.endsWith('.json'))
  .sort();

function read(name: string): InputFile {
  return readInputFile(join(DIRECTORY, name), {
    propertyNames: ALL_PROPERTIES.map((p) => p.name),
    catalogue: CATALOGUE,
  });
}

describe('counterexample corpus', () => {
  test('counterexample names match their content', () => {
    for (const name of files) {
      const input = read(name);
      if (input.kind === 'counterexample') expect(counterexampleFileName(input.content), name).toBe(name);
    }
  });

  test.each(files)('%s replays', (name) => {
    const result = replayFile(read(name), { models: MODELS, properties: ALL_PROPERTIES });
    // The replay text carries every verdict and, when the events changed, both kernel logs.
    const detail = result.passed ? '' : ['', ...replayLines(result)].join('\n');
    expect(result.passed, detail).toBe(true);
  });
});

const COMPARE_DIRECTORY = join(DIRECTORY, 'compare');
const compareFiles = existsSync(COMPARE_DIRECTORY)
  ? readdirSync(COMPARE_DIRECTORY)
      .filter((name) => name.endsWith('.json'))
      .sort()
  : [];

describe('compare corpus', () => {
  const { current, redesign } = MODELS;

  test.each(compareFiles)('%s keeps its divergence', (name) => {
    if (!current || !redesign) throw new Error('the compare corpus needs both models');
    const path = join(COMPARE_DIRECTORY, name);
    const file = readCompareFile(path);
    expect(compareFileName(file), name).toBe(name);
    const result = replayCompareFile(file, { models: { current, redesign }, properties: ALL_PROPERTIES });
    const detail = result.reproduced ? '' : ['', ...compareReplayLines(path, result)].join('\n');
    expect(result.reproduced, detail).toBe(true);
  });
});
