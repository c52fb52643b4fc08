import { createWriteStream, promises as fs } from 'fs';
import * as path from 'path';
import { Transform } from 'stream';
import { pipeline } from 'stream/promises';
import type { ReportCreatedDto, ReportDto } from '@modules/reports/dto/report.dto';
import type { ApiClient } from '../api-client';
import { CliError, ExitCode, usageError } from '../cli.errors';
import { parseCommandArgs } from '../cli-args';
import type { CliContext, Command } from '../cli-context';
import { formatBytes, formatCount, formatDuration } from '../format';
import type { Progress } from '../progress';

const OPTIONS = {
  format: { type: 'string', short: 'f' },
  output: { type: 'string', short: 'o' },
  param: { type: 'string', short: 'p', multiple: true },
  params: { type: 'string' },
  name: { type: 'string' },
  'no-wait': { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

const ENDED = new Set(['COMPLETED', 'FAILED', 'EXPIRED']);
const POLL_MS = 500;

const HELP = `Usage: analytics report SOURCE [--format FORMAT] [-o FILE] [options]

Creates a report of SOURCE (POST /api/v1/reports; analytics sources lists them with their
parameters), waits while a worker writes it, and downloads the file to FILE, streamed.

Options:
  -f, --format FORMAT    a format of the API: csv, json or xlsx (default: FILE's extension, else csv)
  -o, --output FILE      where to save it; a folder keeps the API's file name
                         (default: the API's file name in the current folder)
  -p, --param NAME=VALUE a parameter of the source, repeatable (e.g. -p from=2025-06-01 -p tz=UTC)
      --params JSON      the parameters as one JSON object (--param values override)
      --name NAME        the report's name (the file name follows it)
      --no-wait          print the report id and return at once
      --json             print the final report as the API's JSON, with "file": where it went
  -q, --quiet            no progress
      --url URL, --key KEY   see analytics --help

Exit status: 0 saved; 1 the report FAILED or EXPIRED; 2 bad usage; 3 the API refused a request
or could not be reached.`;

export const reportCommand: Command = {
  name: 'report',
  summary: 'export a source as CSV, JSON or XLSX and download the file',
  help: HELP,
  async run(args: string[], ctx: CliContext): Promise<ExitCode> {
    const { values, positionals } = parseCommandArgs('report', args, OPTIONS);
    if (values.help) {
      ctx.out(HELP);
      return ExitCode.Ok;
    }
    if (positionals.length !== 1) {
      throw usageError('report: give exactly one SOURCE (analytics sources lists them)');
    }
    const format = values.format?.toLowerCase() ?? formatFromFileName(values.output) ?? 'csv';
    const body = {
      source: positionals[0],
      format,
      params: paramsOf(values.params, values.param ?? []),
      ...(values.name ? { name: values.name } : {}),
    };
    const client = ctx.client(values);
    const progress = ctx.progress(values.quiet);
    await assertOutputFolder(values.output);

    const { reportId } = await client.postJson<ReportCreatedDto>('/reports', body);
    if (values['no-wait']) {
      ctx.out(values.json ? JSON.stringify({ reportId }, null, 2) : `report ${reportId} QUEUED (GET /api/v1/reports/${reportId})`);
      return ExitCode.Ok;
    }
    ctx.interruptNote = `stopped waiting: report ${reportId} goes on on the server (GET /api/v1/reports/${reportId})`;
    const report = await waitForReport(client, reportId, progress);
    if (report.status !== 'COMPLETED') {
      ctx.out(values.json ? JSON.stringify(report, null, 2) : `report ${reportId} ${report.status}${report.error ? `: ${report.error}` : ''}`);
      ctx.warn(`report ${reportId} ${report.status}${report.error ? `: ${report.error}` : ''}`);
      return ExitCode.JobFailed;
    }
    const file = await saveFile(client, report, values.output, progress);
    if (values.json) {
      ctx.out(JSON.stringify({ ...report, file }, null, 2));
    } else {
      const rows = report.rows === null ? '' : `${formatCount(report.rows)} rows, `;
      ctx.out(`report ${reportId} COMPLETED: ${report.source} as ${report.format} (${rows}${formatBytes(report.bytes ?? 0)}) saved to ${file}`);
    }
    return ExitCode.Ok;
  },
};

async function waitForReport(client: ApiClient, id: string, progress: Progress): Promise<ReportDto> {
  progress.phase('report', 'queued');
  for (;;) {
    const report = await client.getJson<ReportDto>(`/reports/${id}`);
    const p = report.progress;
    if (ENDED.has(report.status)) {
      progress.done(report.status === 'COMPLETED' ? 1 : null, `${report.status}, ${formatCount(report.rows ?? p.rowsDone)} rows`);
      return report;
    }
    const total = p.rowsTotal ? ` of ${formatCount(p.rowsTotal)}` : '';
    progress.update(
      report.status === 'RUNNING' && p.percent !== undefined ? p.percent / 100 : null,
      report.status === 'QUEUED' ? 'queued, waiting for a worker' : `${formatCount(p.rowsDone)}${total} rows`,
    );
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Streams the file into `<target>.part` beside it, renamed when whole: no half file under the name. */
async function saveFile(client: ApiClient, report: ReportDto, output: string | undefined, progress: Progress): Promise<string> {
  const download = await client.download(`/reports/${report.id}/download`);
  const serverName = path.basename(download.fileName ?? `report-${report.id}.${report.format}`);
  const target = path.resolve((await isDirectory(output)) ? path.join(output!, serverName) : (output ?? serverName));
  const partial = `${target}.part`;
  const startedAt = Date.now();
  let doneBytes = 0;
  const total = download.totalBytes ?? report.bytes ?? 0;
  progress.phase('download', formatBytes(total));
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      doneBytes += chunk.length;
      progress.update(total > 0 ? doneBytes / total : null, `${formatBytes(doneBytes)} of ${formatBytes(total)}`);
      done(null, chunk);
    },
  });
  try {
    await pipeline(download.stream, meter, createWriteStream(partial));
    if (download.totalBytes !== null && doneBytes !== download.totalBytes) {
      throw new Error(`got ${doneBytes} of ${download.totalBytes} bytes`);
    }
    await fs.rename(partial, target);
  } catch (err) {
    await fs.rm(partial, { force: true });
    throw new CliError(`download of report ${report.id} to ${target} failed: ${(err as Error).message}`, ExitCode.Api);
  }
  progress.done(1, `${formatBytes(doneBytes)} in ${formatDuration(Date.now() - startedAt)}`);
  return target;
}

/** Refuses before the report is made when FILE's folder does not exist. */
async function assertOutputFolder(output: string | undefined): Promise<void> {
  if (output === undefined || (await isDirectory(output))) {
    return;
  }
  const folder = path.dirname(path.resolve(output));
  if (!(await isDirectory(folder))) {
    throw usageError(`report: the folder ${folder} of ${output} does not exist`);
  }
}

async function isDirectory(output: string | undefined): Promise<boolean> {
  if (output === undefined) {
    return false;
  }
  return fs.stat(output).then(
    (s) => s.isDirectory(),
    () => output.endsWith('/'),
  );
}

function formatFromFileName(output: string | undefined): string | undefined {
  const ext = output ? path.extname(output).slice(1).toLowerCase() : '';
  return ext || undefined;
}

/** `--params '{"from": "…"}'` first, then each `--param name=value` (values as text: the API converts them). */
function paramsOf(json: string | undefined, pairs: string[]): Record<string, unknown> {
  let params: Record<string, unknown> = {};
  if (json !== undefined) {
    try {
      params = JSON.parse(json) as Record<string, unknown>;
    } catch {
      throw usageError(`report: --params is not JSON: ${json}`);
    }
    if (!params || typeof params !== 'object' || Array.isArray(params)) {
      throw usageError('report: --params must be a JSON object');
    }
  }
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw usageError(`report: --param takes NAME=VALUE, not '${pair}'`);
    }
    params[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return params;
}
