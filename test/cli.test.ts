/**
 * The klpcheck command as a user runs it: `node bin/klpcheck.mjs` from the
 * repository root, checking exit statuses and what the output names.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function klpcheck(...args: string[]): Run {
  const result = spawnSync(process.execPath, ['bin/klpcheck.mjs', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 110_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'klpcheck-cli-'));
}

/** Returns the complete scenario of docs/scenario-format.md, its first JSON block. */
function documentedScenario(): string {
  const doc = readFileSync(join(ROOT, 'docs', 'scenario-format.md'), 'utf8');
  const match = /```json\n([\s\S]*?)```/.exec(doc);
  if (!match?.[1]) throw new Error('docs/scenario-format.md has no ```json block');
  return match[1];
}

describe('usage errors', () => {
  const cases: [string, string[], string[]][] = [
    ['unknown flag', ['check', '--rnus', '5'], ['--rnus', '--runs']],
    ['non-numeric runs', ['check', '--runs', 'many'], ['"many"', '--runs']],
    ['zero runs', ['check', '--runs', '0'], ['"0"', 'from 1']],
    ['fractional max steps', ['check', '--max-steps', '2.5'], ['"2.5"', '--max-steps']],
    ['unknown property', ['check', '--property', 'shadow-leek'], ['"shadow-leek"', 'shadow-leak']],
    ['unknown property in list', ['check', '--property', 'shadow-leak,nope'], ['"nope"', 'valid properties']],
    ['unknown model', ['check', '--model', 'future'], ['"future"', 'current']],
    ['unknown command', ['chek'], ['"chek"', 'check, compare, replay, explore, help']],
    ['missing command', [], ['missing command', 'check, compare, replay, explore, help']],
    ['replay without files', ['replay'], ['at least one file']],
    ['replay with unknown model', ['replay', 'x.json', '--model', 'nope'], ['"nope"']],
    ['flag without value', ['check', '--seed'], ['--seed needs a value']],
    ['compare with unknown flag', ['compare', '--property', 'x'], ['--property', 'klpcheck compare', '--runs']],
    ['compare with negative runs', ['compare', '--runs', '-3'], ['"-3"', '--runs', 'from 1']],
    ['compare with bad max steps', ['compare', '--max-steps', '5000'], ['"5000"', '--max-steps', 'to 1000']],
    ['compare with empty out', ['compare', '--out='], ['flag --out has an empty value', '"--out DIR"']],
    ['compare with an argument', ['compare', 'x.json'], ['"x.json"', '--replay']],
    ['compare --replay without files', ['compare', '--replay'], ['at least one file']],
  ];

  test.each(cases)('%s exits 2', (_name, args, expected) => {
    const run = klpcheck(...args);
    expect(run.status).toBe(2);
    for (const text of expected) expect(run.stderr).toContain(text);
    expect(run.stderr).toContain('klpcheck help');
    expect(run.stdout).toBe('');
  });
});

describe('empty and repeated flag values', () => {
  const cases: [string, string[], string[]][] = [
    ['empty model', ['check', '--model', ''], ['flag --model has an empty value', '"--model NAME"']],
    ['blank model', ['check', '--model', '  '], ['flag --model has an empty value']],
    ['empty property', ['check', '--property', ''], ['flag --property has an empty value', '"--property NAME"']],
    ['lone comma property', ['check', '--property', ','], ['invalid value "," for --property', 'empty item']],
    ['empty list item', ['check', '--property', 'shadow-leak,,structure'], ['"shadow-leak,,structure"', 'empty item']],
    ['trailing comma', ['check', '--model=current,'], ['"current,"', 'empty item']],
    ['empty report', ['check', '--report='], ['flag --report has an empty value', '"--report FILE"']],
    ['repeated seed', ['check', '--seed', '1', '--seed', '2'], ['--seed given twice: "1" and "2"', 'give it once']],
    ['repeated compare out', ['compare', '--out', 'a', '--out=b'], ['--out given twice: "a" and "b"']],
    ['repeated replay model', ['replay', 'x.json', '--model', 'current', '--model', 'redesign'], ['--model given twice']],
    ['empty explore set', ['explore', '--set', ''], ['flag --set has an empty value']],
    ['empty explore property', ['explore', '--set', 'selftest-state', '--property', 'a,,b'], ['empty item']],
    [
      'repeated explore set',
      ['explore', '--set', 'selftest-callbacks', '--set', 'selftest-state'],
      ['--set given twice: "selftest-callbacks" and "selftest-state"'],
    ],
  ];

  test.each(cases)('%s exits 2', (_name, args, expected) => {
    const run = klpcheck(...args);
    expect(run.status).toBe(2);
    for (const text of expected) expect(run.stderr).toContain(text);
    expect(run.stderr).toContain(`Run "klpcheck help ${args[0]}" for usage.`);
    expect(run.stdout).toBe('');
  });

  test('repeated property is accepted', () => {
    const dir = tempDir();
    const args = ['check', '--runs', '2', '--model', 'current', '--property', 'structure', '--property', 'shadow-leak'];
    const run = klpcheck(...args, '--no-shrink-quality', '--out', join(dir, 'cx'), '--report', join(dir, 'r.md'));
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/shadow-leak\s+(holds|VIOLATED)/);
    expect(run.stdout).toMatch(/structure\s+(holds|VIOLATED)/);
  });
});

describe('replay of a compare file', () => {
  test('points to compare --replay', () => {
    const file = readdirSync(join(ROOT, 'counterexamples', 'compare')).find((name) => name.endsWith('.json'));
    if (!file) throw new Error('no compare file is stored');
    const run = klpcheck('replay', join('counterexamples', 'compare', file));
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('this is a file of the design comparison. Replay it with "klpcheck compare --replay FILE".');
  });
});

describe('selection that checks nothing', () => {
  test('check with no applicable property', () => {
    const run = klpcheck('check', '--model', 'current', '--property', 'p1-balanced-introduce-remove');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('none of the selected properties applies to current (p1-balanced-introduce-remove: the current API has no klp_state callbacks');
    expect(run.stdout).toBe('');
  });

  test('explore with no applicable property', () => {
    const run = klpcheck('explore', '--set', 'selftest-state', '--property', 'p1-balanced-introduce-remove');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('none of the selected properties applies to current');
  });
});

describe('usage error hint', () => {
  test('names the command', () => {
    const run = klpcheck('compare', '--runs', 'x');
    expect(run.stderr).toContain('Run "klpcheck help compare" for usage.');
  });

  test('names explore', () => {
    const run = klpcheck('explore', '--depth', '0', '--set', 'selftest-state');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('Run "klpcheck help explore" for usage.');
  });

  test('general for unknown command', () => {
    const run = klpcheck('chek');
    expect(run.stderr).toContain('Run "klpcheck help" for usage.');
  });

  test('general for unknown help topic', () => {
    const run = klpcheck('help', 'bogus');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('valid topics: check, compare, replay, explore, help.');
    expect(run.stderr).toContain('Run "klpcheck help" for usage.');
  });
});

describe('help', () => {
  test('help lists the commands', () => {
    const run = klpcheck('help');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('klpcheck check');
    expect(run.stdout).toContain('klpcheck compare');
    expect(run.stdout).toContain('klpcheck replay');
  });

  test('compare --help lists the flags', () => {
    const run = klpcheck('compare', '--help');
    expect(run.status).toBe(0);
    for (const flag of ['--runs', '--seed', '--max-steps', '--out', '--report', '--replay']) {
      expect(run.stdout).toContain(flag);
    }
  });

  test('help explore shows the explore help', () => {
    const run = klpcheck('help', 'explore');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: klpcheck explore');
    expect(run.stdout).toBe(klpcheck('explore', '--help').stdout);
  });

  test('help help shows the general help', () => {
    const run = klpcheck('help', 'help');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(klpcheck('help').stdout);
  });

  test('check --help lists the flags', () => {
    const run = klpcheck('check', '--help');
    expect(run.status).toBe(0);
    for (const flag of ['--runs', '--seed', '--max-steps', '--property', '--model', '--out', '--report']) {
      expect(run.stdout).toContain(flag);
    }
  });
});

describe('check', () => {
  test('small run writes report and replayable files', () => {
    const dir = tempDir();
    const out = join(dir, 'cx');
    const report = join(dir, 'reports', 'summary.md');
    const args = ['check', '--runs', '40', '--seed', '3', '--property', 'callback-pairing,structure', '--out', out, '--report', report];
    const run = klpcheck(...args);

    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/callback-pairing\s+(holds|VIOLATED)/);
    expect(run.stdout).toContain(`report written to ${report}`);
    expect(run.stdout.trimEnd().split('\n').at(-2)).toMatch(/raise --runs or --max-steps|violated or failed/);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(/divergence classes shown/);
    // Not a terminal: one plain progress line per (model, property), then the comparison.
    expect(run.stderr).toContain('[1/4] current callback-pairing');
    expect(run.stderr).toContain('[2/4] current structure');
    expect(run.stderr).toContain('[3/4] redesign callback-pairing: not applicable');
    expect(run.stderr).toContain('[4/4] redesign structure');
    expect(run.stderr).toContain('comparing the designs on 160 sequences');

    expect(readdirSync(join(dir, 'reports'))).toEqual(['summary.md']);
    const text = readFileSync(report, 'utf8');
    expect(text).toContain('## What the redesign changes');
    expect(text).toContain('| property | current API | redesign |');
    expect(text).toContain('## Comparison of the two designs');
    expect(text).toContain('### The redesign');
    expect(text).toContain('## Modelling assumptions');
    expect(text).toContain('## How to read this report');

    const files = existsSync(out) ? readdirSync(out).filter((name) => name.endsWith('.json')) : [];
    expect(files.every((name) => /^[a-z-]+-(current|redesign)-[0-9a-f]{12}\.json$/.test(name))).toBe(true);
    for (const name of files) {
      const path = join(out, name);
      expect(run.stdout).toContain(`npx klpcheck replay ${path}`);
      const replay = klpcheck('replay', path);
      expect(replay.status, replay.stdout + replay.stderr).toBe(0);
      expect(replay.stdout).toContain('reproduced');
    }

    const compareFiles = readdirSync(join(out, 'compare'));
    expect(compareFiles.length).toBeGreaterThan(0);
    expect(compareFiles.every((name) => /^compare-[a-z-]+-[0-9a-f]{12}\.json$/.test(name))).toBe(true);
    for (const name of compareFiles) expect(run.stdout).toContain(`npx klpcheck compare --replay ${join(out, 'compare', name)}`);
  });

  test('one model runs no comparison', () => {
    const dir = tempDir();
    const args = ['check', '--runs', '10', '--model', 'current', '--property', 'structure', '--out', join(dir, 'cx'), '--report', join(dir, 'r.md')];
    const run = klpcheck(...args);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('comparing the designs');
    expect(readFileSync(join(dir, 'r.md'), 'utf8')).not.toContain('## Comparison of the two designs');
  });

  test('same seed writes the same report', () => {
    const dir = tempDir();
    const args = (n: number) => [
      'check', '--runs', '20', '--property', 'shadow-leak', '--out', join(dir, 'cx'), '--report', join(dir, `r${n}.md`),
    ];
    expect(klpcheck(...args(1)).status).toBe(0);
    expect(klpcheck(...args(2)).status).toBe(0);
    const withoutTimings = (n: number) => readFileSync(join(dir, `r${n}.md`), 'utf8').split('## Timings')[0];
    expect(withoutTimings(2)).toBe(withoutTimings(1));
  });
});

describe('compare', () => {
  test('small run writes report and replayable files', () => {
    const dir = tempDir();
    const out = join(dir, 'compare');
    const report = join(dir, 'compare.md');
    const run = klpcheck('compare', '--runs', '60', '--seed', '2', '--max-steps', '15', '--out', out, '--report', report);

    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain('comparing the designs on 60 sequences');
    expect(run.stdout).toMatch(/refusal\s+\d+\/60/);
    expect(run.stdout).toContain(`report written to ${report}`);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(/divergence classes shown in 60 sequences/);
    expect(readFileSync(report, 'utf8')).toContain('## Comparison of the two designs');

    const files = readdirSync(out);
    expect(files.length).toBeGreaterThan(0);
    const paths = files.map((name) => join(out, name));
    const replay = klpcheck('compare', '--replay', ...paths);
    expect(replay.status, replay.stdout + replay.stderr).toBe(0);
    expect(replay.stdout.match(/replay: passed, the divergence is reproduced/g)).toHaveLength(files.length);
    if (files.length > 1) expect(replay.stdout).toContain(`${files.length} of ${files.length} files replayed`);
  });

  test('same seed writes the same report', () => {
    const dir = tempDir();
    const args = (n: number) => ['compare', '--runs', '40', '--out', join(dir, 'compare'), '--report', join(dir, `r${n}.md`)];
    expect(klpcheck(...args(1)).status).toBe(0);
    expect(klpcheck(...args(2)).status).toBe(0);
    const withoutTimings = (n: number) => readFileSync(join(dir, `r${n}.md`), 'utf8').split('## Timings')[0];
    expect(withoutTimings(2)).toBe(withoutTimings(1));
  });

  test('malformed compare file exits 1 naming file and path', () => {
    const dir = tempDir();
    const file = join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify({ format: 'klpcheck-compare', version: 1, class: 'refusal', independent: 'yes' }));
    const run = klpcheck('compare', '--replay', file);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${file}: $.independent: expected true or false, found "yes"`);
  });

  test('counterexample file is not a compare file', () => {
    const dir = tempDir();
    const file = join(dir, 'scenario.json');
    writeFileSync(file, documentedScenario());
    const run = klpcheck('compare', '--replay', file);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('$.format: expected "klpcheck-compare"');
  });
});

describe('replay', () => {
  test('documented scenario replays', () => {
    const dir = tempDir();
    const file = join(dir, 'scenario.json');
    writeFileSync(file, documentedScenario());
    const run = klpcheck('replay', file);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('VIOLATED        shadow-leak');
    expect(run.stdout).toContain('replay: passed');
  });

  test('malformed file exits 1 naming file and path', () => {
    const dir = tempDir();
    const file = join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify({ format: 'klpcheck-scenario', version: 1, model: 'current', patchSet: 'selftest-state', operations: [{ type: 'insmod' }] }));
    const run = klpcheck('replay', file);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${file}: $.operations[0].module: expected a non-empty string, found nothing`);
  });

  test('missing file exits 1', () => {
    const run = klpcheck('replay', 'no/such/file.json');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('no/such/file.json: file not found');
  });

  test('one bad file fails the run, others still replay', () => {
    const dir = tempDir();
    const good = join(dir, 'good.json');
    writeFileSync(good, documentedScenario());
    const run = klpcheck('replay', join(dir, 'missing.json'), good);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('replay: passed');
    expect(run.stdout).toContain('1 of 2 files replayed');
  });
});
