import { describe, expect, it } from 'vitest';
import { CommandError } from './errors.js';
import { captureOutput } from './output.js';
import { runCommandLine } from './program.js';
import type { CommandSpec, Invocation } from './spec.js';

function tree(record: (i: Invocation) => void): CommandSpec {
  const run = (i: Invocation): Promise<void> => {
    record(i);
    return Promise.resolve();
  };
  return {
    name: 'tool',
    short: 'A tool.',
    persistentFlags: [
      { kind: 'string', name: 'namespace', short: 'n', usage: 'Kubernetes namespace', default: '' },
      { kind: 'stringArray', name: 'as-group', usage: 'Group', default: [] },
    ],
    subcommands: [
      {
        name: 'group',
        short: 'A group',
        persistentFlags: [{ kind: 'string', name: 'name', usage: 'name', default: 'waypoint' }],
        args: (args) => {
          if (args.length > 0) throw new CommandError(`unknown subcommand "${args[0] ?? ''}"`);
        },
        run: (i) => {
          i.printHelp();
          return Promise.resolve();
        },
        subcommands: [
          {
            name: 'leaf',
            short: 'A leaf',
            flags: [
              { kind: 'bool', name: 'wait', short: 'w', usage: 'Wait', default: true },
              { kind: 'bool', name: 'all', usage: 'All', default: false },
              { kind: 'duration', name: 'timeout', usage: 'Timeout', default: 90e9 },
            ],
            run,
          },
          {
            name: 'fails',
            short: 'Fails',
            run: () => Promise.reject(new CommandError('it broke')),
          },
        ],
      },
    ],
  };
}

async function run(argv: string[]) {
  let seen: Invocation | undefined;
  const out = captureOutput();
  const code = await runCommandLine(
    tree((i) => (seen = i)),
    argv,
    out,
  );
  return { code, seen, stdout: out.stdout(), stderr: out.stderr() };
}

describe('runCommandLine (cobra/pflag behaviour over commander)', () => {
  it('takes persistent flags of any ancestor anywhere on the line', async () => {
    const r = await run(['group', 'leaf', 'arg1', '--name', 'wp', '-n', 'bookinfo', '--all']);
    expect(r.code).toBe(0);
    expect(r.seen?.args).toEqual(['arg1']);
    expect(r.seen?.flags.string('name')).toBe('wp');
    expect(r.seen?.flags.string('namespace')).toBe('bookinfo');
    expect(r.seen?.flags.bool('all')).toBe(true);
    expect(r.seen?.flags.bool('wait')).toBe(true);
    expect(r.seen?.flags.changed('namespace')).toBe(true);
    expect(r.seen?.flags.changed('name')).toBe(true);
    expect(r.seen?.flags.changed('all')).toBe(true);
    expect(r.seen?.flags.changed('wait')).toBe(false);
    expect(r.seen?.commandPath).toBe('tool group leaf');
  });

  it('accepts pflag forms: --wait=false, -w=0, -n=ns, --timeout=0.5s, repeated arrays', async () => {
    let r = await run(['-n=ns', 'group', 'leaf', '--wait=false', '--timeout=0.5s']);
    expect(r.code).toBe(0);
    expect(r.seen?.flags.bool('wait')).toBe(false);
    expect(r.seen?.flags.changed('wait')).toBe(true);
    expect(r.seen?.flags.string('namespace')).toBe('ns');
    expect(r.seen?.flags.duration('timeout')).toBe(0.5e9);
    r = await run(['group', 'leaf', '-w=0', '--as-group', 'a', '--as-group=b']);
    expect(r.seen?.flags.bool('wait')).toBe(false);
    expect(r.seen?.flags.stringArray('as-group')).toEqual(['a', 'b']);
    r = await run(['group', 'leaf', '--wait=false', '--wait']);
    expect(r.seen?.flags.bool('wait')).toBe(true);
  });

  it('words parse errors as pflag does and exits 64', async () => {
    const cases: [string[], string][] = [
      [['group', 'leaf', '--bogus'], 'Error: unknown flag: --bogus\n'],
      [['group', 'leaf', '--bogus=1'], 'Error: unknown flag: --bogus\n'],
      [['group', 'leaf', '-x'], "Error: unknown shorthand flag: 'x' in -x\n"],
      [['group', 'leaf', '-n'], 'Error: flag needs an argument: --namespace\n'],
      [
        ['group', 'leaf', '--timeout', 'soon'],
        'Error: invalid argument "soon" for "--timeout" flag: time: invalid duration "soon"\n',
      ],
      [
        ['group', 'leaf', '--wait=maybe'],
        'Error: invalid argument "maybe" for "-w, --wait" flag: strconv.ParseBool: parsing "maybe": invalid syntax\n',
      ],
      [['group', '--wait=false'], 'Error: unknown flag: --wait\n'],
    ];
    for (const [argv, stderr] of cases) {
      const r = await run(argv);
      expect({ argv, code: r.code, stderr: r.stderr }).toEqual({ argv, code: 64, stderr });
      expect(r.seen).toBeUndefined();
    }
  });

  it('refuses an unknown command at the root with suggestions and a usage hint', async () => {
    const r = await run(['grop']);
    expect(r.code).toBe(64);
    expect(r.stderr).toBe(
      'Error: unknown command "grop" for "tool"\n\nDid you mean this?\n\tgroup\n\n' +
        "Run 'tool --help' for usage.\n",
    );
  });

  it('runs a group command’s own argument check (exit 1) and prints help without a subcommand', async () => {
    let r = await run(['group', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error: unknown subcommand "nope"\n');
    r = await run(['group']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Available Commands:\n  fails       Fails\n  leaf        A leaf\n');
  });

  it('prints a failing command’s error as cobra does and exits 1', async () => {
    const r = await run(['group', 'fails']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error: it broke\n');
  });

  it('prints cobra-style help for -h at any level, exit 0', async () => {
    const r = await run(['group', 'leaf', '-h']);
    expect(r.code).toBe(0);
    expect(r.seen).toBeUndefined();
    expect(r.stdout).toBe(
      [
        'A leaf',
        '',
        'Usage:',
        '  tool group leaf [flags]',
        '',
        'Flags:',
        '      --all                All',
        '  -h, --help               help for leaf',
        '      --timeout duration   Timeout (default 1m30s)',
        '  -w, --wait               Wait (default true)',
        '',
        'Global Flags:',
        '      --as-group stringArray   Group',
        '      --name string            name (default "waypoint")',
        '  -n, --namespace string       Kubernetes namespace',
        '',
      ].join('\n'),
    );
  });
});
