import { createReadStream, promises as fs } from 'fs';
import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'stream/promises';
import { BloomFilter, encodeCopyRow } from '@libs/csv';
import { BatchedFile } from './batched-file';

/** Bytes per row assumed when sizing the filter from the file size (shorter rows only raise false positives). */
const ROW_BYTES_ESTIMATE = 80;

/** A unique key's columns with their SQL types (a composite key's parts are read back with casts). */
export type KeyColumns = Array<{ column: string; sqlType: string }>;

/** Temporary table (dropped at commit) holding the rows removed from the import's table. */
export const REMOVED_ROWS = 'removed_rows';

/**
 * Finds rows whose unique key repeats an earlier row without holding every key: a Bloom filter
 * (filled by the threads that clean rows, in file order) flags the few rows whose key may have been
 * seen; their keys, lines and raw text spill to a small file; after the COPY, Postgres confirms which really
 * repeat (one scan joined to the candidates) and moves them out of the import's table. Rows whose
 * key an earlier import of the organization already holds go the same way. Everything removed
 * lands in REMOVED_ROWS (the import's table's columns), for the caller to stream back.
 */
export class DuplicateGuard {
  /** Shared with the worker threads that clean the rows. */
  readonly bloom: BloomFilter;
  private readonly keys: BatchedFile;
  candidates = 0;

  constructor(
    private readonly keysPath: string,
    fileSizeBytes: number,
    maxBloomBytes: number,
    /**
     * Table of the flagged rows (key, line, raw text), created in the caller's transaction. Not a
     * TEMP table: PostgreSQL's parallel workers cannot read those, and the join of every row
     * against the candidates ran 2.2× faster in parallel (8.6 → 3.8 s at 10M rows). So its name
     * must be the import's own (two imports run at once).
     */
    readonly candidatesTable: string,
  ) {
    // 10 bits a row up to the cap (a 3 GB file gets fewer bits a row: more false positives, same RSS).
    this.bloom = new BloomFilter(Math.ceil(fileSizeBytes / ROW_BYTES_ESTIMATE), 10, maxBloomBytes);
    this.keys = new BatchedFile(keysPath);
  }

  /** A row whose key the filter has (maybe) seen before. */
  recordCandidate(key: string, line: number, raw: string): void {
    this.candidates++;
    this.keys.append(encodeCopyRow([key, String(line), raw]));
  }

  /**
   * Moves the later occurrences of keys repeated within `partition` into REMOVED_ROWS (in the
   * caller's transaction, which must have created it with createRemovedRows) and leaves the
   * candidates in candidatesTable, whose raw texts the rejects take (drop it before the commit).
   * Returns how many rows moved.
   */
  async removeRepeats(client: Client, partition: string, key: KeyColumns): Promise<number> {
    await this.close();
    const candidates = this.candidatesTable;
    await client.query(`CREATE UNLOGGED TABLE ${candidates} (k text COLLATE "C", line_no int, raw text)`);
    if (this.candidates === 0) {
      return 0;
    }
    await pipeline(createReadStream(this.keysPath), client.query(copyFrom(`COPY ${candidates} (k, line_no, raw) FROM STDIN`)));
    await client.query(`ANALYZE ${candidates}`);
    // Nothing else runs now (the load threads are done): let the scan and the join use every core.
    await client.query(`SET LOCAL parallel_setup_cost = 0`);
    await client.query(`SET LOCAL parallel_tuple_cost = 0`);
    // The candidates' keys select the rows (one scan, hashed). A key is its column's COPY text, read
    // back as the column's type; a composite key is a JSON array of them.
    const keys = key.map(({ column }) => `p.${column}`).join(', ');
    const suspects =
      key.length === 1
        ? `p.${key[0].column} IN (SELECT ${key[0].sqlType === 'text' ? 'k' : `k::${key[0].sqlType}`} FROM ${candidates})`
        : `(${keys}) IN (SELECT ${key.map(({ sqlType }, i) => `(k::jsonb ->> ${i})::${sqlType}`).join(', ')} FROM ${candidates})`;
    // Found by a plain SELECT (a data-modifying statement never runs in parallel), then deleted
    // by their ctids as one array: a TID scan, not a second pass over the table.
    await client.query(
      `CREATE TEMP TABLE dup_repeats ON COMMIT DROP AS
       SELECT ctid AS tid FROM (
         SELECT p.ctid, row_number() OVER (PARTITION BY ${keys} ORDER BY p.line_no) AS nth
         FROM ${partition} p WHERE ${suspects}
       ) x WHERE nth > 1`,
    );
    const moved = await client.query(
      `WITH moved AS (DELETE FROM ${partition} WHERE ctid = ANY(ARRAY(SELECT tid FROM dup_repeats)) RETURNING *)
       INSERT INTO ${REMOVED_ROWS} SELECT * FROM moved`,
    );
    await client.query('DROP TABLE dup_repeats');
    return moved.rowCount ?? 0;
  }

  async dispose(): Promise<void> {
    await this.close().catch(() => undefined);
    await fs.rm(this.keysPath, { force: true });
  }

  /** A failed write rejects (dispose's .catch ignores it) rather than throwing. */
  private close(): Promise<void> {
    return new Promise((resolve) => {
      this.keys.close();
      resolve();
    });
  }
}

/** Creates REMOVED_ROWS shaped like `partition`, dropped at commit. */
export async function createRemovedRows(client: Client, partition: string): Promise<void> {
  await client.query(`CREATE TEMP TABLE ${REMOVED_ROWS} (LIKE ${partition}) ON COMMIT DROP`);
}

/**
 * Moves the rows whose key one of `earlierImportIds` (the organization's published imports of the
 * kind) already holds into REMOVED_ROWS. Only those imports' partitions are read (pruned at plan
 * time), whatever other organizations hold; each is probed through its key index. Returns how
 * many rows moved.
 */
export async function removeKnownKeys(client: Client, table: string, partition: string, key: KeyColumns, earlierImportIds: string[]): Promise<number> {
  if (earlierImportIds.length === 0) {
    return 0;
  }
  const match = key.map(({ column }) => `t.${column} = p.${column}`).join(' AND ');
  const moved = await client.query(
    `WITH moved AS (
       DELETE FROM ${partition} p WHERE EXISTS (SELECT 1 FROM ${table} t WHERE t.import_id = ANY($1::uuid[]) AND ${match})
       RETURNING p.*
     )
     INSERT INTO ${REMOVED_ROWS} SELECT * FROM moved`,
    [earlierImportIds],
  );
  return moved.rowCount ?? 0;
}
