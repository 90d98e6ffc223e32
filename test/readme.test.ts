// The README's examples, run: every ```js block marked `doctest` runs as a
// user would run it (require('sockbuf') resolves to this package), and what
// it prints must equal the ```text block that follows it. Only marked blocks
// run, so examples whose numbers depend on the machine stay unmarked. In the
// expected text, a line `...` stands for any number of lines.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ensureDist } from './helpers';

const root = path.join(__dirname, '..');

interface Doctest {
  /** Line of the ```js fence in README.md (1-based). */
  line: number;
  code: string;
  expected: string[];
}

/** The marked examples of a Markdown text, each with the output block that follows it. */
export function doctests(markdown: string): Doctest[] {
  const lines = markdown.split('\n');
  const found: Doctest[] = [];
  const block = (start: number): { body: string[]; end: number } => {
    const body: string[] = [];
    let i = start + 1;
    while (i < lines.length && !/^```\s*$/.test(lines[i])) body.push(lines[i++]);
    if (i === lines.length) throw new Error(`README.md:${start + 1}: unclosed code block`);
    return { body, end: i };
  };
  for (let i = 0; i < lines.length; i++) {
    if (!/^```/.test(lines[i])) continue;
    const marked = /^```js\s+doctest\s*$/.test(lines[i]);
    const { body, end } = block(i);
    if (marked) {
      let j = end + 1;
      while (j < lines.length && lines[j].trim() === '') j++;
      if (lines[j] !== '```text')
        throw new Error(`README.md:${i + 1}: a doctest block must be followed by a \`\`\`text block`);
      const out = block(j);
      found.push({ line: i + 1, code: body.join('\n'), expected: out.body });
      i = out.end;
    } else {
      i = end;
    }
  }
  return found;
}

/** Whether `actual` lines match `expected`, where an expected line `...` matches any run of lines. */
export function outputMatches(expected: string[], actual: string[]): boolean {
  const match = (e: number, a: number): boolean => {
    if (e === expected.length) return a === actual.length;
    if (expected[e] === '...') {
      for (let k = a; k <= actual.length; k++) if (match(e + 1, k)) return true;
      return false;
    }
    return a < actual.length && expected[e] === actual[a] && match(e + 1, a + 1);
  };
  return match(0, 0);
}

describe('the doctest runner', () => {
  test('finds marked blocks only, with the output that follows', () => {
    const md = ['```js', 'skip()', '```', '```js doctest', "console.log('a')", '```', '', '```text', 'a', '```'].join(
      '\n',
    );
    expect(doctests(md)).toEqual([{ line: 4, code: "console.log('a')", expected: ['a'] }]);
    expect(() => doctests('```js doctest\nx()\n```\nprose\n')).toThrow(/must be followed by a ```text block/);
  });

  test('compares line by line; `...` stands for any lines', () => {
    expect(outputMatches(['a', '...', 'd'], ['a', 'b', 'c', 'd'])).toBe(true);
    expect(outputMatches(['a', '...'], ['a'])).toBe(true);
    expect(outputMatches(['a'], ['b'])).toBe(false);
    expect(outputMatches(['a'], ['a', 'b'])).toBe(false);
  });
});

const linux = process.platform === 'linux';
const examples = doctests(readFileSync(path.join(root, 'README.md'), 'utf8'));

describe('README examples print what the README says', () => {
  let dir: string;

  beforeAll(() => {
    ensureDist();
    dir = mkdtempSync(path.join(tmpdir(), 'sockbuf-readme-'));
    // require('sockbuf') from the example finds this package, as in a user's project.
    mkdirSync(path.join(dir, 'node_modules'));
    symlinkSync(root, path.join(dir, 'node_modules', 'sockbuf'), 'dir');
  });

  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  test('the README has marked examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
  });

  // The expected outputs are Linux's (doubled sizes, Linux errno values).
  (linux ? test.each(examples.map((e) => [e.line, e] as const)) : test.skip.each([[0, examples[0]] as const]))(
    'README.md:%d',
    (_line, example) => {
      const file = path.join(dir, `example-${example.line}.js`);
      writeFileSync(file, `${example.code}\n`);
      // Generous: under qemu-user emulation on a busy machine, a Node start alone takes seconds.
      const res = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 100_000 });
      expect(res.error).toBeUndefined();
      expect(res.stderr).toBe('');
      const actual = res.stdout.replace(/\n$/, '').split('\n');
      if (!outputMatches(example.expected, actual)) {
        // Shows both in the failure message.
        expect(actual.join('\n')).toBe(example.expected.join('\n'));
      }
      expect(res.status).toBe(0);
    },
    120_000,
  );
});
