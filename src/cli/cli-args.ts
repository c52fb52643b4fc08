import { parseArgs, ParseArgsConfig } from 'util';
import { usageError } from './cli.errors';
import type { ConnectionFlags } from './cli-config';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Accepted by every command, before or after its name. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** util.parseArgs, strict, with its errors turned into one usage line naming the command. */
export function parseCommandArgs<O extends Options>(command: string, args: string[], options: O) {
  const all = { ...CONNECTION_OPTIONS, ...options };
  try {
    return parseArgs({ args, options: all, allowPositionals: true, strict: true });
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw usageError(`${command}: ${message} (see analytics ${command} --help)`);
  }
}

/** Splits the connection flags placed before the command name (`analytics --url U imports`). */
export function splitLeadingFlags(argv: string[]): {
  flags: ConnectionFlags & { help?: boolean };
  rest: string[];
} {
  const flags: ConnectionFlags & { help?: boolean } = {};
  let i = 0;
  for (; i < argv.length && argv[i].startsWith('-'); i++) {
    const [name, inline] = argv[i].split(/=(.*)/s, 2);
    if (name === '--help' || name === '-h') {
      flags.help = true;
      continue;
    }
    if (name !== '--url' && name !== '--key') {
      throw usageError(`unknown option '${name}' before the command (see analytics --help)`);
    }
    const value = inline ?? argv[++i];
    if (value === undefined) {
      throw usageError(`${name} needs a value`);
    }
    flags[name === '--url' ? 'url' : 'key'] = value;
  }
  return { flags, rest: argv.slice(i) };
}

/** A whole number within bounds, from an option's text. */
export function intOption(command: string, name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) {
    return undefined;
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw usageError(`${command}: --${name} must be a whole number from ${min} to ${max}, not '${raw}'`);
  }
  return n;
}
