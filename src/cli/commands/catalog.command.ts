import type { KindDto } from '@modules/ingestion/dto/import-response.dto';
import type { ReportSourceDto } from '@modules/reports/dto/report.dto';
import { ExitCode } from '../cli.errors';
import { parseCommandArgs } from '../cli-args';
import type { CliContext, Command } from '../cli-context';
import { formatTable } from '../format';

const OPTIONS = { json: { type: 'boolean' } } as const;

/** A read-only listing: GET `path`, printed as a table or as the API's JSON. */
function catalogCommand<T>(name: string, path: string, summary: string, headers: string[], toRow: (item: T) => string[]): Command {
  const help = `Usage: analytics ${name} [--json]\n\n${summary[0].toUpperCase()}${summary.slice(1)} (GET /api/v1${path}).\n\nOptions:\n  --json                 print the API's JSON\n  --url URL, --key KEY   see analytics --help`;
  return {
    name,
    summary,
    help,
    async run(args: string[], ctx: CliContext): Promise<ExitCode> {
      const { values } = parseCommandArgs(name, args, OPTIONS);
      if (values.help) {
        ctx.out(help);
        return ExitCode.Ok;
      }
      const items = await ctx.client(values).getJson<T[]>(path);
      ctx.out(values.json ? JSON.stringify(items, null, 2) : formatTable(headers, items.map(toRow)));
      return ExitCode.Ok;
    },
  };
}

export const kindsCommand = catalogCommand<KindDto>(
  'kinds',
  '/kinds',
  'list the dataset kinds an import takes, with their required columns',
  ['KIND', 'FORMATS', 'REQUIRED COLUMNS'],
  (kind) => [kind.name, kind.formats.join(', '), kind.requiredColumns.join(', ')],
);

export const sourcesCommand = catalogCommand<ReportSourceDto>(
  'sources',
  '/report-sources',
  'list the report sources with their parameters (* required)',
  ['SOURCE', 'TYPE', 'PARAMETERS'],
  (source) => [source.name, source.type, source.params.map((p) => `${p.name}${p.required ? '*' : ''}`).join(', ')],
);
