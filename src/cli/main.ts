#!/usr/bin/env node
import { CliError, ExitCode, usageError } from './cli.errors';
import { splitLeadingFlags } from './cli-args';
import { DEFAULT_URL } from './cli-config';
import { CliContext, CliIo, Command } from './cli-context';
import { kindsCommand, sourcesCommand } from './commands/catalog.command';
import { importCommand } from './commands/import.command';
import { importsCommand } from './commands/imports.command';
import { reportCommand } from './commands/report.command';

const COMMANDS: Command[] = [importCommand, importsCommand, reportCommand, kindsCommand, sourcesCommand];

const HELP = `analytics: the analytics platform from a terminal, through its HTTP API

Usage: analytics [--url URL] [--key KEY] COMMAND [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(9)} ${c.summary}`).join('\n')}

  analytics COMMAND --help   tells more about one

Examples:
  analytics import /tmp/tx.csv --kind transactions
  analytics imports --status FAILED
  analytics report transactions.zone-leaderboard --format xlsx -o leaders.xlsx

Configuration (a flag wins over the environment):
  --url URL   ANALYTICS_URL       the API's address (default ${DEFAULT_URL})
  --key KEY   ANALYTICS_API_KEY   an API key (the environment keeps it out of ps and shell history)

Progress goes to stderr: a bar redrawn in place on a terminal, else a plain line now and then.
Results go to stdout. Exit status: 0 done; 1 the import or report FAILED or was CANCELLED;
2 bad usage or configuration; 3 the API refused a request or could not be reached.`;

/** Runs one command line; resolves with the exit status. Errors become one line on stderr. */
export async function main(argv: string[], io: CliIo, onContext?: (ctx: CliContext) => void): Promise<number> {
  let ctx: CliContext | null = null;
  try {
    const { flags, rest } = splitLeadingFlags(argv);
    const [name, ...args] = rest;
    ctx = new CliContext(io, flags);
    onContext?.(ctx);
    if (name === undefined || name === 'help') {
      io.stdout.write(`${HELP}\n`);
      return flags.help || name === 'help' ? ExitCode.Ok : ExitCode.Usage;
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) {
      throw usageError(`unknown command '${name}' (commands: ${COMMANDS.map((c) => c.name).join(', ')}; see analytics --help)`);
    }
    return await command.run(flags.help ? ['--help', ...args] : args, ctx);
  } catch (err) {
    ctx?.closeProgress();
    return reportError(err, io);
  } finally {
    ctx?.close();
  }
}

function reportError(err: unknown, io: CliIo): number {
  if (err instanceof CliError) {
    io.stderr.write(`analytics: ${err.message}\n`);
    return err.exitCode;
  }
  // A bug of ours: one line, the stack only when asked for.
  const stack = io.env.ANALYTICS_DEBUG ? `\n${(err as Error)?.stack ?? ''}` : ' (ANALYTICS_DEBUG=1 shows where)';
  io.stderr.write(`analytics: unexpected error: ${(err as Error)?.message ?? String(err)}${stack}\n`);
  return ExitCode.JobFailed;
}

/** The process entry: real streams, exit status, and a word on Ctrl-C about what goes on without us. */
export function runFromProcess(): void {
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env };
  let current: CliContext | null = null;
  process.once('SIGINT', () => {
    current?.closeProgress();
    process.stderr.write(`analytics: ${current?.interruptNote || 'interrupted'}\n`);
    process.exit(130);
  });
  void main(process.argv.slice(2), io, (ctx) => (current = ctx)).then((code) => {
    process.exitCode = code;
  });
}

if (require.main === module) {
  runFromProcess();
}
