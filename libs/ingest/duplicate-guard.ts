import { once } from 'events';
import { createReadStream, createWriteStream, promises as fs, WriteStream } from 'fs';
import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createInterface } from 'readline';
import { pipeline } from 'stream/promises';
import { BloomFilter, encodeCopyRow } from '@libs/csv';
import type { RemovedRowsSink } from './kind.types';
import { PieceSpan, writeRejectedLines } from './load-pipeline';
import { RejectsWriter } from './rejects-writer';

/** Bytes per row assumed when sizing the filter from the file size (shorter rows only raise false positives). */
const ROW_BYTES_ESTIMATE = 80;

/**
 * Finds rows whose unique key repeats an earlier row of the same file without holding every key:
 * a Bloom filter (filled by the threads that clean rows) flags the few rows whose key may have
 * been seen; their keys and raw lines spill
 * to two small files; after the COPY, Postgres confirms which really repeat (one scan joined to
 * the candidates), and only those are deleted and written as rejects.
 */
export class DuplicateGuard {
  /** Shared with the worker threads that clean the rows. */
  readonly bloom: BloomFilter;
  private readonly keys: WriteStream;
  private readonly raws: WriteStream;
  private isBackedUp = false;
  candidates = 0;

  constructor(
    private readonly basePath: string,
    fileSizeBytes: number,
  ) {
    // 10 bits a row up to 32 MB (a 3 GB file gets ~7 bits a row: more false positives, same RSS).
    this.bloom = new BloomFilter(Math.ceil(fileSizeBytes / ROW_BYTES_ESTIMATE), 10, 32 << 20);
    this.keys = createWriteStream(`${basePath}.keys`, { highWaterMark: 1 << 20 });
    this.raws = createWriteStream(`${basePath}.raws`, { highWaterMark: 1 << 20 });
  }

  /** A row whose key the filter has (maybe) seen before. */
  recordCandidate(key: string, line: number, raw: string): void {
    this.candidates++;
    const isKeysFlowing = this.keys.write(encodeCopyRow([key, String(line)]));
    const isRawsFlowing = this.raws.write(`${line}\t${JSON.stringify(raw)}\n`);
    if (!isKeysFlowing || !isRawsFlowing) {
      this.isBackedUp = true;
    }
  }

  async drainIfNeeded(): Promise<void> {
    if (this.isBackedUp) {
      this.isBackedUp = false;
      await Promise.all([this.keys, this.raws].filter((s) => s.writableNeedDrain).map((s) => once(s, 'drain')));
    }
  }

  /**
   * Deletes the later occurrences of repeated keys from `partition` (in the caller's transaction)
   * and writes them to `rejects` as `reason`. Returns how many rows were removed.
   */
  async removeRepeats(
    client: Client, partition: string, key: Array<{ column: string; sqlType: string }>, file: { path: string; spans: PieceSpan[] }, rejects: RejectsWriter, reason: string,
    removed: RemovedRowsSink | null = null,
  ): Promise<number> {
    await this.close();
    if (this.candidates === 0) {
      return 0;
    }
    await client.query(`CREATE TEMP TABLE dup_candidates (k text COLLATE "C", line_no int) ON COMMIT DROP`);
    await pipeline(createReadStream(`${this.basePath}.keys`), client.query(copyFrom('COPY dup_candidates (k, line_no) FROM STDIN')));
    // The candidates' keys select the rows (one scan, hashed). A composite key is a JSON array of
    // its columns' COPY texts; each part reads back as its column's type.
    const keys = key.map(({ column }) => `p.${column}`).join(', ');
    const suspects = key.length === 1
      ? `p.${key[0].column} IN (SELECT k FROM dup_candidates)`
      : `(${keys}) IN (SELECT ${key.map(({ sqlType }, i) => `(k::jsonb ->> ${i})::${sqlType}`).join(', ')} FROM dup_candidates)`;
    const repeats = await client.query<{ ctid: string; line_no: number }>(
      `SELECT ctid, line_no FROM (
         SELECT p.ctid, p.line_no, row_number() OVER (PARTITION BY ${keys} ORDER BY p.line_no) AS nth
         FROM ${partition} p WHERE ${suspects}
       ) x WHERE nth > 1`,
    );
    await client.query('DROP TABLE dup_candidates');
    if (repeats.rows.length === 0) {
      return 0;
    }
    const deleted = await client.query<{ v: string[] }>(
      `DELETE FROM ${partition} WHERE ctid = ANY($1::tid[])${removed ? ` RETURNING ARRAY[${removed.select}] AS v` : ''}`,
      [repeats.rows.map((r) => r.ctid)],
    );
    removed?.subtract(deleted.rows.map((r) => r.v));
    const lines = new Set(repeats.rows.map((r) => r.line_no));
    await this.writeRejects(lines, rejects, reason);
    if (lines.size > 0) {
      // Repeats whose own row was not flagged (its twin was, on another thread at the same
      // moment): their raw text comes from the file.
      await writeRejectedLines(file.path, lines, reason, rejects, file.spans);
    }
    return repeats.rows.length;
  }

  async dispose(): Promise<void> {
    await this.close().catch(() => undefined);
    await fs.rm(`${this.basePath}.keys`, { force: true });
    await fs.rm(`${this.basePath}.raws`, { force: true });
  }

  private async writeRejects(lines: Set<number>, rejects: RejectsWriter, reason: string): Promise<void> {
    const input = createInterface({ input: createReadStream(`${this.basePath}.raws`), crlfDelay: Infinity });
    for await (const entry of input) {
      const tab = entry.indexOf('\t');
      const line = Number(entry.slice(0, tab));
      if (lines.delete(line)) {
        rejects.write(line, reason, JSON.parse(entry.slice(tab + 1)) as string);
        await rejects.drainIfNeeded();
      }
    }
  }

  private async close(): Promise<void> {
    await Promise.all(
      [this.keys, this.raws].map(async (s) => {
        if (!s.closed) {
          s.end();
          await once(s, 'close');
        }
      }),
    );
  }
}
