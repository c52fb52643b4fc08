import { CleanValues, ownString, Reject, RowCleaner } from '@libs/cleaners';
import { BinaryCopyEncoder, BloomFilter, CopyFieldType, CsvParser } from '@libs/csv';
import type { RowAggregator, TransferablePart } from '@libs/rollups';
import type { DatasetKind, KindColumn } from './kind.types';
import type { InputFormat } from './input-format';
import { JsonRecordSink, JsonSyntaxError, parseJsonPiece } from './json';

export interface RowPipelineConfig {
  format: InputFormat;
  cleaner: RowCleaner;
  copyTypes: CopyFieldType[];
  /** The kind's columns: JSON members are matched to them by name, case-insensitively. */
  columns: readonly KindColumn[];
  /** CSV: for each kind column, the file column holding it (-1: absent). */
  indexes: number[];
  /** CSV: the header's number of fields. */
  headerWidth: number;
  /** Positions of the unique key's columns in the cleaned values (empty when the kind has none). */
  keyIndexes: number[];
  /** Word mask of the import's Bloom filter (keys are hashed here, added in file order elsewhere). */
  bloomWordMask: number;
  /** Folds every loaded row into the kind's rollup structures, when the kind has them. */
  aggregator?: RowAggregator | null;
}

export type Candidate = [key: string, line: number, raw: string];

/** The piece holds malformed JSON: where (bytes from the piece's start) and what. */
export interface PieceSyntaxError {
  reason: string;
  byteOffsetInPiece: number;
  /** The record being read when it went wrong. */
  ordinal: number;
}

export interface PieceOutput {
  copy: Buffer | null;
  rowsRead: number;
  rowsLoaded: number;
  rejects: Array<[line: number, reason: string, raw: string]>;
  /** (word, flags) pairs of the loaded rows' keys, for BloomFilter.addAll; null when no key. */
  keyHashes: Int32Array | null;
  /** The kind's per-piece rollup part, if any. */
  rollup: TransferablePart<unknown> | null;
  syntaxError: PieceSyntaxError | null;
}

export interface PieceInput {
  seq: number;
  piece: Buffer;
  /** Units before the piece: CSV lines, JSON records. */
  lineOffset: number;
  isFirst: boolean;
  isLast: boolean;
}

/** What a load thread is told about its import, besides the kind (plain data: it crosses threads). */
export interface PipelineSettings {
  format: InputFormat;
  /** Import start: timestamps after it are in the future. */
  nowMs: number;
  indexes: number[];
  headerWidth: number;
  keyIndexes: number[];
  bloomWordMask: number;
  /** Bytes this thread's rollup folds may hold. */
  foldBytes: number;
  /** The thread's heap cap (folds made of JS objects live in it). */
  heapBytes: number;
}

/** The pipeline a load thread (or the importing thread itself) runs for one import of `kind`. */
export function createRowPipeline(kind: DatasetKind, s: PipelineSettings): RowPipeline {
  return new RowPipeline({
    format: s.format,
    cleaner: kind.createCleaner({ now: new Date(s.nowMs) }),
    copyTypes: kind.copyTypes,
    columns: kind.columns,
    indexes: s.indexes,
    headerWidth: s.headerWidth,
    keyIndexes: s.keyIndexes,
    bloomWordMask: s.bloomWordMask,
    aggregator: kind.rollup?.createRowAggregator({ bytes: s.foldBytes, heapBytes: s.heapBytes }) ?? null,
  });
}

/** Where each loaded row of a piece sits, to rebuild a flagged row's key on request. */
interface StashedRows {
  lines: number[];
  sources: string[];
  starts: number[];
  ends: number[];
}

/** A reject code of JSON input: a record that is not a flat object. */
export const INVALID_JSON_RECORD = 'INVALID_JSON_RECORD';

/** A thread has at most two pieces in flight: a few spare COPY buffers cover them. */
const MAX_SPARE_BUFFERS = 4;

/**
 * parse → clean → binary COPY for one piece of a file that starts and ends on record boundaries
 * (a RecordCutter cuts them), so pieces can be processed on any thread in any order. CSV rows are
 * matched to the kind's columns by the header, JSON objects by their member names. Keys are only
 * hashed here: whoever adds the hashes to the filter in file order asks back for the few rows it
 * flags (takeCandidates), so the later of two equal keys is the one reported, always.
 */
export class RowPipeline {
  private readonly encoder: BinaryCopyEncoder;
  private readonly isIdentity: boolean;
  private readonly stash = new Map<number, StashedRows>();
  /** COPY buffers the writer is done with, reused for later pieces' output. */
  private readonly spare: ArrayBuffer[] = [];
  /** JSON member name → kind column (-1: not a column), learnt as names appear. */
  private readonly memberColumns = new Map<string, number>();

  constructor(private readonly cfg: RowPipelineConfig) {
    this.encoder = new BinaryCopyEncoder(cfg.copyTypes, false);
    this.isIdentity = cfg.indexes.length === cfg.headerWidth && cfg.indexes.every((at, i) => at === i);
  }

  processPiece(input: PieceInput): PieceOutput {
    const out: PieceOutput = { copy: null, rowsRead: 0, rowsLoaded: 0, rejects: [], keyHashes: null, rollup: null, syntaxError: null };
    const rows = new PieceRows(this, out, this.cfg.keyIndexes.length > 0);
    if (this.cfg.format === 'csv') {
      this.parseCsv(input, rows);
    } else {
      this.parseJson(input, rows, out);
    }
    out.copy = this.encoder.take(this.spare.pop());
    out.rollup = this.cfg.aggregator?.takePiece() ?? null;
    if (rows.hashes && rows.stash.lines.length > 0) {
      out.keyHashes = rows.hashes.slice(0, rows.stash.lines.length * 2);
      this.stash.set(input.seq, rows.stash);
    }
    return out;
  }

  /** The key, line and raw text of the given rows of piece `seq`; forgets the piece. */
  takeCandidates(seq: number, positions: number[]): Candidate[] {
    const stash = this.stash.get(seq);
    this.stash.delete(seq);
    if (!stash) {
      return [];
    }
    return positions.map((i) => {
      const raw = stash.sources[i].slice(stash.starts[i], stash.ends[i]);
      return [this.keyOf(raw), stash.lines[i], raw];
    });
  }

  drop(seq: number): void {
    this.stash.delete(seq);
  }

  /** Takes back a piece's COPY buffer once the writer has sent it (a few are kept). */
  recycle(buffer: ArrayBuffer): void {
    if (this.spare.length < MAX_SPARE_BUFFERS) {
      this.spare.push(buffer);
    }
  }

  /** The rollup of every piece this pipeline processed, in one part or several (once, after the last piece). */
  finishRollup(): Iterable<TransferablePart<unknown>> {
    const aggregator = this.cfg.aggregator;
    if (!aggregator) {
      return [];
    }
    return aggregator.finishInParts?.() ?? [aggregator.finish()];
  }

  /** Cleans one record's values (in the kind's column order) and loads or rejects it. */
  handle(rows: PieceRows, values: string[], line: number, source: string, start: number, end: number, mayHaveNul: boolean): void {
    const { out } = rows;
    // PostgreSQL text cannot hold NUL; only pieces that contain one pay for the check.
    if (mayHaveNul && values.some((f) => f.includes('\0'))) {
      out.rejects.push([line, 'NUL_CHARACTER', source.slice(start, end)]);
      return;
    }
    const cleaned = this.cfg.cleaner(values);
    if (cleaned instanceof Reject) {
      out.rejects.push([line, cleaned.reason, source.slice(start, end)]);
      return;
    }
    if (rows.hashes) {
      rows.addKey(this.keyText(cleaned), this.cfg.bloomWordMask, line, source, start, end);
    }
    this.encoder.writeRow(line, cleaned);
    this.cfg.aggregator?.add(cleaned);
    out.rowsLoaded++;
  }

  private parseCsv(input: PieceInput, rows: PieceRows): void {
    const { indexes, headerWidth } = this.cfg;
    const hasNul = input.piece.includes(0);
    const parser = new CsvParser();
    let isHeader = input.isFirst;
    const onRecord = (fields: string[], localLine: number): void => {
      if (isHeader) {
        isHeader = false;
        return;
      }
      const line = localLine + input.lineOffset;
      rows.out.rowsRead++;
      if (fields.length !== headerWidth) {
        rows.out.rejects.push([line, 'WRONG_FIELD_COUNT', parser.currentRaw()]);
        return;
      }
      // Per loaded row only where its raw text is (no copy, no slice: the flagged few are rebuilt
      // on request; keeping ~10K strings per piece alive across collections cost more than cleaning).
      this.handle(rows, this.isIdentity ? fields : arrange(fields, indexes), line, parser.currentRawSource, parser.currentRawStart, parser.currentRawEnd, hasNul);
    };
    parser.pushWhole(input.piece, onRecord);
    parser.end(onRecord);
  }

  private parseJson(input: PieceInput, rows: PieceRows, out: PieceOutput): void {
    const text = input.piece.toString('utf8');
    // A NUL can only come as the escape \u0000 (a raw one is a syntax error in a JSON string).
    const mayHaveNul = text.includes('\\u0000');
    const sink = this.jsonSink(rows, text, mayHaveNul);
    try {
      parseJsonPiece(text, this.cfg.format === 'ndjson' ? 'ndjson' : 'json-array', { isFirst: input.isFirst, isLast: input.isLast, firstOrdinal: input.lineOffset + 1 }, sink);
    } catch (err) {
      if (!(err instanceof JsonSyntaxError)) {
        throw err;
      }
      out.syntaxError = {
        reason: err.reason,
        byteOffsetInPiece: Buffer.byteLength(text.slice(0, err.offset)),
        ordinal: input.lineOffset + out.rowsRead + 1,
      };
    }
  }

  private jsonSink(rows: PieceRows, text: string, mayHaveNul: boolean): JsonRecordSink {
    const width = this.cfg.columns.length;
    return {
      record: (names, values, ordinal, rawStart, rawEnd) => {
        rows.out.rowsRead++;
        this.handle(rows, this.fieldsOf(names, values, width), ordinal, text, rawStart, rawEnd, mayHaveNul);
      },
      invalid: (ordinal, rawStart, rawEnd) => {
        rows.out.rowsRead++;
        rows.out.rejects.push([ordinal, INVALID_JSON_RECORD, text.slice(rawStart, rawEnd)]);
      },
    };
  }

  /** A JSON object's members as the kind's columns ('' when absent or null; a repeated name: the last). */
  private fieldsOf(names: string[], values: Array<string | null>, width: number): string[] {
    const fields = new Array<string>(width).fill('');
    for (let i = 0; i < names.length; i++) {
      const column = this.columnOf(names[i]);
      if (column >= 0) {
        fields[column] = values[i] ?? '';
      }
    }
    return fields;
  }

  private columnOf(name: string): number {
    let column = this.memberColumns.get(name);
    if (column === undefined) {
      const wanted = name.trim().toUpperCase();
      column = this.cfg.columns.findIndex((c) => c.name.toUpperCase() === wanted);
      // Bounded: a file of countless distinct member names must not grow this map forever.
      if (this.memberColumns.size < 10_000) {
        this.memberColumns.set(ownString(name), column);
      }
    }
    return column;
  }

  /**
   * Cleans a raw record again (the cleaner is deterministic) to get its unique key as the
   * candidates file holds it: one column's text, or a composite's texts as a JSON array (any
   * character survives; SQL reads the parts back with ->>).
   */
  private keyOf(raw: string): string {
    const values = this.cfg.format === 'csv' ? this.csvValues(raw) : this.jsonValues(raw);
    const cleaned = values && this.cfg.cleaner(values);
    if (!cleaned || cleaned instanceof Reject) {
      return '';
    }
    const at = this.cfg.keyIndexes;
    return at.length === 1 ? (cleaned[at[0]] as string) : JSON.stringify(at.map((i) => cleaned[i]));
  }

  private csvValues(raw: string): string[] {
    let fields: string[] = [];
    const parser = new CsvParser();
    parser.push(Buffer.from(raw), (f) => (fields = f));
    parser.end((f) => (fields = f));
    return this.isIdentity ? fields : arrange(fields, this.cfg.indexes);
  }

  private jsonValues(raw: string): string[] | null {
    let values: string[] | null = null;
    const width = this.cfg.columns.length;
    // A record of a pretty-printed array spans lines: read it as a one-record array.
    parseJsonPiece(
      `[${raw}]`,
      'json-array',
      { isFirst: true, isLast: true, firstOrdinal: 1 },
      {
        record: (names, vals) => (values = this.fieldsOf(names, vals, width)),
        invalid: () => undefined,
      },
    );
    return values;
  }

  /**
   * The key's text the Bloom filter hashes: one column's value, or a composite's values joined by
   * U+001F (a collision of two joined keys is only a false candidate, which SQL clears).
   */
  private keyText(cleaned: CleanValues): string {
    const at = this.cfg.keyIndexes;
    if (at.length === 1) {
      return cleaned[at[0]] as string;
    }
    let key = cleaned[at[0]] as string;
    for (let i = 1; i < at.length; i++) {
      key += '\u001f' + (cleaned[at[i]] as string);
    }
    return key;
  }
}

/** One piece's loaded-row bookkeeping: key hashes and where each keyed row's raw text is. */
class PieceRows {
  hashes: Int32Array | null;
  readonly stash: StashedRows = { lines: [], sources: [], starts: [], ends: [] };

  constructor(
    readonly pipeline: RowPipeline,
    readonly out: PieceOutput,
    hasKey: boolean,
  ) {
    this.hashes = hasKey ? new Int32Array(8192) : null;
  }

  addKey(key: string, wordMask: number, line: number, source: string, start: number, end: number): void {
    const n = this.stash.lines.length;
    if (n * 2 + 2 > this.hashes!.length) {
      const bigger = new Int32Array(this.hashes!.length * 2);
      bigger.set(this.hashes!);
      this.hashes = bigger;
    }
    BloomFilter.hashInto(key, wordMask, this.hashes!, n * 2);
    this.stash.lines.push(line);
    this.stash.sources.push(source);
    this.stash.starts.push(start);
    this.stash.ends.push(end);
  }
}

function arrange(fields: string[], indexes: number[]): string[] {
  const arranged = new Array<string>(indexes.length);
  for (let i = 0; i < indexes.length; i++) {
    const at = indexes[i];
    arranged[i] = at < 0 ? '' : fields[at];
  }
  return arranged;
}
