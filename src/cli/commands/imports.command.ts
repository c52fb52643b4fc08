import type { ImportListResponseDto } from '@modules/ingestion/dto/import-response.dto';
import { ExitCode, usageError } from '../cli.errors';
import { intOption, parseCommandArgs } from '../cli-args';
import type { CliContext, Command } from '../cli-context';
import { formatCount, formatInstant, formatTable } from '../format';

const OPTIONS = {
  status: { type: 'string', short: 's' },
  kind: { type: 'string', short: 'k' },
  page: { type: 'string' },
  'page-size': { type: 'string' },
  json: { type: 'boolean' },
} as const;

const HELP = `Usage: analytics imports [options]

Lists the organization's imports, newest first (GET /api/v1/imports).

Options:
  -s, --status STATUS    QUEUED, PROCESSING, COMPLETED, FAILED or CANCELLED
  -k, --kind KIND        only imports of this kind
      --page N           page to show (default 1)
      --page-size N      imports per page, 1 to 200 (default 20)
      --json             print the API's JSON page {data, page, pageSize, total, totalPages}
      --url URL, --key KEY   see analytics --help`;

export const importsCommand: Command = {
  name: 'imports',
  summary: 'list imports (status, rows, when), filtered and paged',
  help: HELP,
  async run(args: string[], ctx: CliContext): Promise<ExitCode> {
    const { values, positionals } = parseCommandArgs('imports', args, OPTIONS);
    if (values.help) {
      ctx.out(HELP);
      return ExitCode.Ok;
    }
    if (positionals.length > 0) {
      throw usageError(`imports: unexpected argument '${positionals[0]}' (see analytics imports --help)`);
    }
    const query = {
      status: values.status?.toUpperCase(),
      kind: values.kind,
      page: intOption('imports', 'page', values.page, 1, 1_000_000),
      pageSize: intOption('imports', 'page-size', values['page-size'], 1, 200),
    };
    const list = await ctx.client(values).getJson<ImportListResponseDto>('/imports', query);
    if (values.json) {
      ctx.out(JSON.stringify(list, null, 2));
      return ExitCode.Ok;
    }
    if (list.data.length === 0) {
      ctx.out(list.total > 0 ? `no imports on page ${list.page} (${list.totalPages} pages)` : 'no imports');
      return ExitCode.Ok;
    }
    const rows = list.data.map((imp) => [
      imp.importId,
      imp.kind,
      imp.status,
      formatCount(imp.progress.rowsLoaded),
      formatCount(imp.progress.rowsRejected),
      formatInstant(imp.createdAt),
      imp.fileName,
    ]);
    ctx.out(formatTable(['ID', 'KIND', 'STATUS', 'ROWS', 'REJECTED', 'CREATED', 'FILE'], rows, new Set([3, 4])));
    const next = list.page < list.totalPages ? `; next: --page ${list.page + 1}` : '';
    ctx.out(`page ${list.page} of ${list.totalPages}, ${formatCount(list.total)} imports${next}`);
    return ExitCode.Ok;
  },
};
