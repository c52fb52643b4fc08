import { CleanValues, Reject, RowCleaner } from '@libs/cleaners';
import { BinaryCopyEncoder, BloomFilter, CopyFieldType, CsvParser } from '@libs/csv';
import type { RowAggregator, TransferablePart } from '@libs/rollups';

export interface RowPipelineConfig {
  cleaner: RowCleaner;
  copyTypes: CopyFieldType[];
  /** For each kind column, the file column holding it (-1: absent). */
  indexes: number[];
  headerWidth: number;
  /** Positions of the unique key's columns in the cleaned values (empty when the kind has none). */
  keyIndexes: number[];
  /** Word mask of the import's Bloom filter (keys are hashed here, added in file order elsewhere). */
  bloomWordMask: number;
  /** Folds every loaded row into the kind's rollup structures, when the kind has them. */
  aggregator?: RowAggregator | null;
}

export type Candidate = [key: string, line: number, raw: string];

export interface PieceOutput {
  copy: Buffer | null;
  rowsRead: number;
  rowsLoaded: number;
  rejects: Array<[line: number, reason: string, raw: string]>;
  /** (word, flags) pairs of the loaded rows' keys, for BloomFilter.addAll; null when no key. */
  keyHashes: Int32Array | null;
  /** The kind's per-piece rollup part, if any. */
  rollup: TransferablePart<unknown> | null;
}

/** Where each loaded row of a piece sits, to rebuild a flagged row's raw text and key on request. */
interface StashedRows {
  lines: number[];
  sources: string[];
  starts: number[];
  ends: number[];
}

/**
 * parse → clean → binary COPY for one piece of a file that starts and ends on record boundaries
 * (RecordSplitter cuts them), so pieces can be processed on any thread in any order. Keys are only
 * hashed here: whoever adds the hashes to the filter in file order asks back for the few rows
 * it flags (takeCandidates), so the later of two equal keys is the one reported, always.
 */
export class RowPipeline {
  private readonly encoder: BinaryCopyEncoder;
  private readonly isIdentity: boolean;
  private readonly stash = new Map<number, StashedRows>();

  constructor(private readonly cfg: RowPipelineConfig) {
    this.encoder = new BinaryCopyEncoder(cfg.copyTypes, false);
    this.isIdentity = cfg.indexes.length === cfg.headerWidth && cfg.indexes.every((at, i) => at === i);
  }

  /** `lineOffset`: lines before the piece; `seq` names the piece for takeCandidates/drop. */
  processPiece(seq: number, piece: Buffer, lineOffset: number, skipFirstRecord: boolean): PieceOutput {
    const { cleaner, indexes, headerWidth } = this.cfg;
    const hasNul = piece.includes(0);
    const parser = new CsvParser();
    const out: PieceOutput = { copy: null, rowsRead: 0, rowsLoaded: 0, rejects: [], keyHashes: null, rollup: null };
    const { aggregator } = this.cfg;
    // Per loaded row: its key hash, and where its raw text is (no copy, no slice: the flagged few
    // are rebuilt on request, the rest is dropped; keeping ~10K strings per piece alive across
    // garbage collections cost the load threads more than the cleaning did).
    const stash: StashedRows = { lines: [], sources: [], starts: [], ends: [] };
    const { bloomWordMask } = this.cfg;
    let hashes = this.cfg.keyIndexes.length > 0 ? new Int32Array(8192) : null;
    let isHeader = skipFirstRecord;
    const onRecord = (fields: string[], localLine: number): void => {
      if (isHeader) {
        isHeader = false;
        return;
      }
      const line = localLine + lineOffset;
      out.rowsRead++;
      if (fields.length !== headerWidth) {
        out.rejects.push([line, 'WRONG_FIELD_COUNT', parser.currentRaw()]);
        return;
      }
      // PostgreSQL text cannot hold NUL; only pieces that contain one pay for the check.
      if (hasNul && fields.some((f) => f.includes('\0'))) {
        out.rejects.push([line, 'NUL_CHARACTER', parser.currentRaw()]);
        return;
      }
      const cleaned = cleaner(this.isIdentity ? fields : arrange(fields, indexes));
      if (cleaned instanceof Reject) {
        out.rejects.push([line, cleaned.reason, parser.currentRaw()]);
        return;
      }
      if (hashes) {
        const n = stash.lines.length;
        if (n * 2 + 2 > hashes.length) {
          const bigger = new Int32Array(hashes.length * 2);
          bigger.set(hashes);
          hashes = bigger;
        }
        BloomFilter.hashInto(this.keyText(cleaned), bloomWordMask, hashes, n * 2);
        stash.lines.push(line);
        stash.sources.push(parser.currentRawSource);
        stash.starts.push(parser.currentRawStart);
        stash.ends.push(parser.currentRawEnd);
      }
      this.encoder.writeRow(line, cleaned);
      aggregator?.add(cleaned);
      out.rowsLoaded++;
    };
    parser.push(piece, onRecord);
    parser.end(onRecord);
    out.copy = this.encoder.take();
    out.rollup = aggregator?.takePiece() ?? null;
    if (hashes && stash.lines.length > 0) {
      out.keyHashes = hashes.slice(0, stash.lines.length * 2);
      this.stash.set(seq, stash);
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

  /**
   * Cleans a raw record again (the cleaner is deterministic) to get its unique key as the
   * candidates file holds it: one column's text, or a composite's texts as a JSON array (any
   * character survives; SQL reads the parts back with ->>).
   */
  private keyOf(raw: string): string {
    let fields: string[] = [];
    const parser = new CsvParser();
    parser.push(Buffer.from(raw), (f) => (fields = f));
    parser.end((f) => (fields = f));
    const cleaned = this.cfg.cleaner(this.isIdentity ? fields : arrange(fields, this.cfg.indexes));
    if (cleaned instanceof Reject) {
      return '';
    }
    const at = this.cfg.keyIndexes;
    return at.length === 1 ? (cleaned[at[0]] as string) : JSON.stringify(at.map((i) => cleaned[i]));
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

  drop(seq: number): void {
    this.stash.delete(seq);
  }

  /** The rollup of every piece this pipeline processed (once, after the last piece). */
  finishRollup(): TransferablePart<unknown> | null {
    return this.cfg.aggregator?.finish() ?? null;
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
