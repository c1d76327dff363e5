/**
 * The `vigie` command line: a table of commands, each a small async function.
 * Errors of the Vigie family map to their exit codes; anything else is a bug (exit 70).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { VigieError } from '../errors.ts';
import { VERSION } from '../version.ts';

export interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(args: { values: Record<string, string | boolean | undefined>; positionals: string[] }): Promise<number | void>;
}

const COMMON = {
  db: { type: 'string' as const },
  help: { type: 'boolean' as const, short: 'h' },
};

const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./commands/run.ts')).runCommand,
  serve: async () => (await import('./commands/serve.ts')).serveCommand,
  samples: async () => (await import('./commands/samples.ts')).samplesCommand,
  import: async () => (await import('./commands/import.ts')).importCommand,
  score: async () => (await import('./commands/score.ts')).scoreCommand,
  sites: async () => (await import('./commands/sites.ts')).sitesCommand,
  explain: async () => (await import('./commands/explain.ts')).explainCommand,
  detect: async () => (await import('./commands/detect.ts')).detectCommand,
  dtm: async () => (await import('./commands/dtm.ts')).dtmCommand,
  evaluate: async () => (await import('./commands/evaluate.ts')).evaluateCommand,
  bench: async () => (await import('./commands/bench.ts')).benchCommand,
  export: async () => (await import('./commands/export.ts')).exportCommand,
  report: async () => (await import('./commands/report.ts')).reportCommand,
  user: async () => (await import('./commands/user.ts')).userCommand,
  queue: async () => (await import('./commands/queue.ts')).queueCommand,
};

export function registerCommand(name: string, load: () => Promise<Command>): void {
  COMMANDS[name] = load;
}

async function help(): Promise<string> {
  const lines = [
    `vigie ${VERSION} — heritage × climate risk and LiDAR archaeology`,
    '',
    'Usage: vigie <command> [options]',
    '',
    'Commands:',
  ];
  for (const [name, load] of Object.entries(COMMANDS)) {
    // A command whose module is not there yet (work in progress) is left out of the list.
    const c = await load().catch(() => null);
    if (c) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  }
  lines.push(
    '',
    'Common options: --db FILE (default var/vigie.duckdb, or VIGIE_DB), --help',
    'Run `vigie <command> --help` for the options of one command.',
  );
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(await help());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(VERSION);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`vigie: unknown command ${JSON.stringify(name)}\n\n${await help()}`);
    return 2;
  }
  const cmd = await load().catch((err: unknown) => {
    console.error(`vigie: command ${JSON.stringify(name)} is not available (${(err as Error).message})`);
    return null;
  });
  if (!cmd) return 70;
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...COMMON, ...cmd.options }, allowPositionals: true, strict: true });
  } catch (err) {
    console.error(`vigie ${name}: ${(err as Error).message}\nUsage: ${cmd.usage}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(`${cmd.summary}\n\nUsage: ${cmd.usage}`);
    return 0;
  }
  try {
    return (await cmd.run(parsed as never)) ?? 0;
  } catch (err) {
    if (err instanceof VigieError) {
      console.error(`vigie ${name}: ${err.message}`);
      return err.exitCode;
    }
    console.error(`vigie ${name}: unexpected error`, err);
    return 70;
  }
}
