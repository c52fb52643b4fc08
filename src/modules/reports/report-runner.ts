import { Injectable, Logger } from '@nestjs/common';
import { createWriteStream, promises as fs } from 'fs';
import * as path from 'path';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { finished, pipeline } from 'stream/promises';
import { Transform } from 'stream';
import { KINDS } from '@app/kinds.registry';
import { AppConfig } from '@config/app-config';
import { ScopeErrors } from '@common/analytics-scope/analytics-scope.service';
import { AppError } from '@common/errors';
import { Metrics } from '@common/metrics/metrics.service';
import { Cell, neutralisedSql, openTableWriter, tabulate } from '@libs/export';
import { DatasetKind, partitionName } from '@libs/ingest';
import type { AuthContext } from '@modules/auth/auth.context';
import type { Role } from '@modules/auth/entities/api-key.entity';
import { WorkerDrain } from '@common/lifecycle/worker-drain';
import { AnswerSource, JobSource, ReportSource, ReportSources, RowsSource } from './report-sources';
import { ReportRow, ReportsRepository } from './reports.repository';

/** Rows per FETCH of a rows export in JSON or XLSX: a few MB whatever the table's size. */
const FETCH_ROWS = 5000;
const PROGRESS_EVERY_MS = 500;
/** Answer fields that describe the request, not the answer (the report's meta has them). */
const ANSWER_META = ['queryTimeMs', 'totalQueryTimeMs', 'cached', 'dataVersion'];

export type RunOutcome = 'COMPLETED' | 'FAILED' | 'SKIPPED';

/** Where report files live: DATA_DIR/reports/<id>.<format>. */
export function reportFilePath(dataDir: string, report: Pick<ReportRow, 'id' | 'format'>): string {
  return path.resolve(dataDir, 'reports', `${report.id}.${report.format}`);
}

/**
 * Writes one report's file, streamed: a kind's rows by COPY … TO (CSV) or a cursor (JSON, XLSX)
 * partition by partition, never the whole result in memory; an answer as its route gives it; a
 * domain job's rows as the job writes them (the store report).
 * The file is written under a `.part` name and renamed when whole, so a download never sees half
 * a file; a run that dies leaves the report RUNNING for Bull to hand to another worker, which
 * starts over.
 */
@Injectable()
export class ReportRunner {
  private readonly logger = new Logger(ReportRunner.name);

  constructor(
    private readonly config: AppConfig,
    private readonly repo: ReportsRepository,
    private readonly sources: ReportSources,
    private readonly drain: WorkerDrain,
    private readonly metrics: Metrics,
  ) {}

  async run(reportId: string, isLastAttempt: boolean): Promise<RunOutcome> {
    // The report's advisory lock for the whole run, on the run's own connection: a worker that
    // Bull took for dead (a missed lock renewal) may still be writing; the second one skips.
    const client = new Client({ connectionString: this.config.DATABASE_URL, application_name: `report ${reportId}` });
    client.on('error', (err) => this.logger.error({ err, reportId }, 'Report: database connection lost'));
    await client.connect();
    this.drain.track(client);
    try {
      const [{ ok }] = (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [`report:${reportId}`])).rows;
      if (!ok) {
        this.logger.log(`Report ${reportId} is being written by another worker; skipped`);
        return 'SKIPPED';
      }
      return await this.runLocked(client, reportId, isLastAttempt);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private async runLocked(client: Client, reportId: string, isLastAttempt: boolean): Promise<RunOutcome> {
    const report = await this.repo.claim(reportId);
    if (!report) return 'SKIPPED';
    const file = reportFilePath(this.config.DATA_DIR, report);
    // Each attempt its own part file: nothing of an earlier attempt's can end up in this one.
    const part = `${file}.${process.pid}-${Date.now()}.part`;
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      const source = this.sources.get(report.source);
      const dataVersion = await this.repo.dataVersion(report.org_id);
      const meta = {
        reportId: report.id,
        name: report.name,
        source: report.source,
        params: report.params,
        format: report.format,
        generatedAt: new Date().toISOString(),
        dataVersion,
      };
      const rows = await this.write(client, report, source, part, meta);
      await fs.rename(part, file);
      const { size } = await fs.stat(file);
      if (!(await this.repo.complete(report.id, { rows, bytes: size, dataVersion }))) {
        // Deleted while it ran: its file goes too.
        await fs.rm(file, { force: true });
        return 'SKIPPED';
      }
      this.logger.log({ reportId, rows, bytes: size }, `Report ${reportId} COMPLETED`);
      this.metrics.reportEnded(report.source, 'completed');
      return 'COMPLETED';
    } catch (err) {
      await fs.rm(part, { force: true });
      // A deterministic failure (bad parameters, an import gone) fails at once; others retry, as
      // does an import deleted under a running answer (DATA_CHANGED: ask again).
      if (this.drain.isHandingBack) {
        // This process is stopping and handed the job back: the next worker writes the report.
        throw err;
      }
      const isDeterministic = err instanceof AppError && err.code !== 'DATA_CHANGED';
      if (!isLastAttempt && !isDeterministic) {
        this.logger.error({ err, reportId }, `Report ${reportId} attempt failed; it will be retried`);
        throw err;
      }
      // Our own errors say what to fix; an internal one's text (SQL, paths) stays in the log.
      const message = err instanceof AppError ? err.message : `The report failed on an internal error; the server log has the cause under report ${reportId}`;
      await this.repo.fail(reportId, message);
      this.metrics.reportEnded(report.source, 'failed');
      this.logger.warn({ err, reportId }, `Report ${reportId} FAILED: ${err instanceof Error ? err.message : String(err)}`);
      return 'FAILED';
    }
  }

  /** A report whose job Bull gave up on: FAILED with Bull's reason (a no-op once it ended). */
  async failAbandoned(reportId: string, reason: string): Promise<void> {
    await this.repo.fail(reportId, `The report's job was abandoned: ${reason}`);
  }

  /** Removes the files of COMPLETED reports finished more than `days` ago and marks them EXPIRED; how many. */
  async expire(days: number): Promise<number> {
    const expired = await this.repo.expireOlderThan(days);
    for (const r of expired) {
      await fs.rm(reportFilePath(this.config.DATA_DIR, r), { force: true });
    }
    if (expired.length > 0) this.logger.log(`Report retention: ${expired.length} report(s) older than ${days} days expired`);
    return expired.length;
  }

  private write(client: Client, report: ReportRow, source: ReportSource, part: string, meta: Record<string, unknown>): Promise<number> {
    switch (source.type) {
      case 'answer':
        return this.writeAnswer(report, source, part, meta);
      case 'rows':
        return this.writeRows(client, report, source, part, meta);
      case 'job':
        return this.writeJob(client, report, source, part, meta);
    }
  }

  /** A domain job's own rows: the source writes the part file in the report's format, its progress and details. */
  private async writeJob(client: Client, report: ReportRow, source: JobSource, part: string, meta: Record<string, unknown>): Promise<number> {
    const params = await this.sources.validate(source, report.params);
    return source.run({
      reportId: report.id,
      orgId: report.org_id,
      params,
      format: report.format,
      file: part,
      meta,
      db: client,
      saveProgress: (p) => this.repo.saveProgress(report.id, p),
      saveDetails: (d) => this.repo.saveDetails(report.id, d),
    });
  }

  /** An analytics answer: JSON as the route gives it (under `data`), CSV and XLSX one row per element of its list. */
  private async writeAnswer(report: ReportRow, source: AnswerSource, part: string, meta: Record<string, unknown>): Promise<number> {
    const auth: AuthContext = {
      orgId: report.org_id,
      actorType: 'api-key',
      actorId: report.requested_by ?? '',
      role: report.requested_role as Role,
      platform: false,
      dataVersion: String(meta.dataVersion),
    };
    const answer = { ...(await source.run(auth, await this.sources.validate(source, report.params))) } as Record<string, unknown>;
    for (const k of ANSWER_META) delete answer[k];
    const items = source.list === null ? [answer] : ((answer[source.list] as object[] | undefined) ?? []);
    if (report.format === 'json') {
      await fs.writeFile(part, `${JSON.stringify({ meta, data: answer })}\n`);
      return items.length;
    }
    const table = tabulate(items);
    const writer = openTableWriter(report.format, part, table.columns, meta);
    try {
      for (const row of table.rows) await writer.write(row);
      return await writer.finish();
    } catch (err) {
      await writer.abort();
      throw err;
    }
  }

  /** A kind's cleaned rows from the organization's published imports (or the one asked for), oldest import first. */
  private async writeRows(client: Client, report: ReportRow, source: RowsSource, part: string, meta: Record<string, unknown>): Promise<number> {
    const kind = KINDS.find((k) => k.name === source.kind)!;
    const params = report.params as { from?: string; to?: string; importId?: string };
    const imports = (await this.repo.publishedImports(report.org_id, kind.name)).filter((i) => !params.importId || i.id === params.importId.toLowerCase());
    if (params.importId && imports.length === 0) throw ScopeErrors.unknownImport(params.importId, kind.name);
    const rowsTotal = imports.reduce((n, i) => n + Number(i.rows_loaded), 0);
    const progress = new ProgressSaver((p) => this.repo.saveProgress(report.id, p), rowsTotal);
    await client.query(`SET TIME ZONE 'UTC'`);
    await client.query('SET jit = off');
    // One snapshot for every partition: an import published meanwhile is not half in it.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    try {
      const selects = (isCsv: boolean) => imports.map((i) => rowsSelect(kind, i.id, params, isCsv));
      const rows =
        report.format === 'csv'
          ? await copyCsv(client, kind, selects(true), part, progress)
          : report.format === 'json'
            ? await copyJson(
                client,
                imports.map((i) => jsonRowsSelect(kind, i.id, params)),
                part,
                meta,
                progress,
              )
            : await cursorRows(client, kind, selects(false), report, part, meta, progress);
      await client.query('COMMIT');
      return rows;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }
}

/** Saves `{rowsDone, rowsTotal, percent}` at most every PROGRESS_EVERY_MS. */
class ProgressSaver {
  private lastMs = 0;

  constructor(
    private readonly save: (p: object) => Promise<void>,
    private readonly rowsTotal: number,
  ) {}

  async update(rowsDone: number): Promise<void> {
    if (Date.now() - this.lastMs < PROGRESS_EVERY_MS) return;
    this.lastMs = Date.now();
    const percent = this.rowsTotal > 0 ? Math.min(99, Math.floor((rowsDone / this.rowsTotal) * 100)) : 0;
    await this.save({ rowsDone, rowsTotal: this.rowsTotal, percent });
  }
}

/** The SELECT of one import's rows of a kind in a window, as a rows report reads them (CSV: text formula-neutralised). */
export function rowsSelect(kind: DatasetKind, importId: string, params: { from?: string; to?: string }, isCsv: boolean): string {
  return `SELECT ${selectList(kind, isCsv)} FROM ${partitionName(kind.table, importId)}${windowSql(kind, params)}`;
}

function windowSql(kind: DatasetKind, params: { from?: string; to?: string }): string {
  const c = kind.windowColumn;
  const parts: string[] = [];
  // The window is checked at creation: a kind without a time column has none.
  if (c && params.from) parts.push(`${c} >= ${literal(params.from)}::timestamptz`);
  if (c && params.to) parts.push(`${c} < ${literal(params.to)}::timestamptz`);
  return parts.length ? ` WHERE ${parts.join(' AND ')}` : '';
}

/** A validated ISO 8601 instant (normalised at creation) as an SQL literal. */
function literal(text: string): string {
  return `'${String(text).replace(/'/g, "''")}'`;
}

/** The kind's columns: text formula-neutralised for CSV; dates as text for the cursor (node-pg would make them local midnights). */
function selectList(kind: DatasetKind, isCsv: boolean): string {
  return kind.copyColumns
    .map((c, i) => {
      const type = kind.copyTypes[i];
      if (type === 'text') return isCsv ? `${neutralisedSql(c)} AS ${c}` : c;
      if (type === 'date') return isCsv ? c : `${c}::text AS ${c}`;
      return c;
    })
    .join(', ');
}

/**
 * One JSON object per row, made by Postgres: numbers as JSON numbers, instants as
 * 2025-06-28T10:00:00.000Z (UTC, milliseconds, as a JS Date prints them), dates as 2025-06-28.
 */
export function jsonRowsSelect(kind: DatasetKind, importId: string, params: { from?: string; to?: string }): string {
  const fields = kind.copyColumns.map((c, i) => {
    const type = kind.copyTypes[i];
    const value = type === 'timestamptz' ? `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` : type === 'date' ? `${c}::text` : c;
    return `'${c}', ${value}`;
  });
  return `SELECT json_build_object(${fields.join(', ')})::text FROM ${partitionName(kind.table, importId)}${windowSql(kind, params)}`;
}

/**
 * A rows report as JSON at COPY speed: Postgres writes each row's JSON text, one per line, and
 * the line ends become the array's commas. COPY's CSV format with a quote and a delimiter that
 * JSON text never holds raw (control characters are escaped in it) passes the text unchanged;
 * its text format would double every backslash.
 */
async function copyJson(client: Client, selects: string[], part: string, meta: Record<string, unknown>, progress: ProgressSaver): Promise<number> {
  const out = createWriteStream(part);
  out.write(`{"meta":${JSON.stringify(meta)},"data":[`);
  let lines = 0;
  let held: number | null = null;
  // Every line end becomes a comma; each chunk's last byte is held back until the next, so that
  // the final comma can be dropped.
  const commas = () =>
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        if (chunk.length === 0) return done();
        const bytes = Buffer.from(chunk);
        for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) {
          bytes[i] = 44;
          lines++;
        }
        const body = held === null ? bytes.subarray(0, bytes.length - 1) : Buffer.concat([Buffer.of(held), bytes.subarray(0, bytes.length - 1)]);
        held = bytes[bytes.length - 1];
        progress.update(lines).then(
          () => done(null, body),
          (err: Error) => done(err),
        );
      },
    });
  const copies: Array<{ rowCount?: number }> = [];
  try {
    for (const select of selects) {
      const copy = client.query(copyTo(`COPY (${select}) TO STDOUT WITH (FORMAT csv, DELIMITER E'\x02', QUOTE E'\x01')`));
      copies.push(copy);
      await pipeline(copy, commas(), out, { end: false });
    }
  } catch (err) {
    out.destroy();
    throw err;
  }
  // The held byte is the last row's comma (none without rows).
  if (held !== null && held !== 44) out.write(Buffer.of(held));
  out.end(']}\n');
  await finished(out);
  await client.query('SELECT 1');
  return copies.reduce((n, c) => n + (c.rowCount ?? 0), 0);
}

/** CSV by COPY … TO STDOUT, one partition after another into one file (the header once). */
async function copyCsv(client: Client, kind: DatasetKind, selects: string[], part: string, progress: ProgressSaver): Promise<number> {
  const out = createWriteStream(part);
  let lines = 0;
  // Progress counts line ends as they pass (a quoted line end inside a field counts too: progress only).
  const counter = () =>
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
        progress.update(lines).then(
          () => done(null, chunk),
          (err: Error) => done(err),
        );
      },
    });
  const header = `SELECT ${kind.copyColumns.join(', ')} FROM ${kind.table} WHERE false`;
  const statements = [`COPY (${header}) TO STDOUT WITH (FORMAT csv, HEADER)`, ...selects.map((s) => `COPY (${s}) TO STDOUT WITH (FORMAT csv)`)];
  const copies: Array<{ rowCount?: number }> = [];
  try {
    for (const statement of statements) {
      const copy = client.query(copyTo(statement));
      copies.push(copy);
      await pipeline(copy, counter(), out, { end: false });
    }
  } catch (err) {
    out.destroy();
    throw err;
  }
  out.end();
  // Rejects on a write error (a full disk): a short file is never taken for a whole one.
  await finished(out);
  // A COPY's row count is set by its CommandComplete, which may follow the end of its data.
  await client.query('SELECT 1');
  const rows = copies.reduce((n, c) => n + (c.rowCount ?? 0), 0);
  return rows;
}

/** JSON or XLSX through a cursor over the partitions, FETCH_ROWS at a time, with typed cells. */
async function cursorRows(
  client: Client,
  kind: DatasetKind,
  selects: string[],
  report: ReportRow,
  part: string,
  meta: Record<string, unknown>,
  progress: ProgressSaver,
): Promise<number> {
  const writer = openTableWriter(report.format, part, kind.copyColumns, meta);
  const convert = kind.copyTypes.map((t): ((v: unknown) => Cell) => {
    if (t === 'int8' || t === 'numeric') return (v) => (v === null ? null : Number(v));
    if (t === 'date') return (v) => (v === null ? null : new Date(`${v as string}T00:00:00Z`));
    return (v) => v as Cell;
  });
  try {
    let rows = 0;
    if (selects.length > 0) {
      await client.query(`DECLARE report_rows NO SCROLL CURSOR FOR ${selects.join(' UNION ALL ')}`);
      for (;;) {
        const { rows: batch } = await client.query<unknown[]>({ text: `FETCH ${FETCH_ROWS} FROM report_rows`, rowMode: 'array' });
        for (const r of batch) {
          await writer.write(r.map((v, i) => convert[i](v)));
        }
        rows += batch.length;
        await progress.update(rows);
        if (batch.length < FETCH_ROWS) break;
      }
    }
    return await writer.finish();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
