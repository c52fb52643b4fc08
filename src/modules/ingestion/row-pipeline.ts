import { Reject, RowCleaner } from '@libs/cleaners';
import { BinaryCopyEncoder, BloomFilter, CopyFieldType, CsvParser } from '@libs/csv';

export interface RowPipelineConfig {
  cleaner: RowCleaner;
  copyTypes: CopyFieldType[];
  /** For each kind column, the file column holding it (-1: absent). */
  indexes: number[];
  headerWidth: number;
  /** Position of the unique key in the cleaned values, or -1 when the kind has none. */
  keyIndex: number;
  /** Shared by every pipeline of one import: flags rows whose key may repeat an earlier one. */
  bloom: BloomFilter | null;
}

/** Where a piece's rejected rows and duplicate candidates go. */
export interface PieceSinks {
  reject(line: number, reason: string, raw: string): void;
  candidate(key: string, line: number, raw: string): void;
}

export interface PieceCounts {
  rowsRead: number;
  rowsLoaded: number;
}

/**
 * parse → clean → binary COPY for one piece of a file that starts and ends on record boundaries
 * (RecordSplitter cuts them), so pieces can be processed on any thread in any order.
 */
export class RowPipeline {
  private readonly encoder: BinaryCopyEncoder;
  private readonly isIdentity: boolean;

  constructor(private readonly cfg: RowPipelineConfig) {
    this.encoder = new BinaryCopyEncoder(cfg.copyTypes, false);
    this.isIdentity = cfg.indexes.length === cfg.headerWidth && cfg.indexes.every((at, i) => at === i);
  }

  /** Returns the piece's COPY bytes (or null) and counts; `firstLine` is the piece's first line number minus one. */
  processPiece(piece: Buffer, lineOffset: number, skipFirstRecord: boolean, sinks: PieceSinks): { copy: Buffer | null } & PieceCounts {
    const { cleaner, indexes, headerWidth, keyIndex, bloom } = this.cfg;
    const hasNul = piece.includes(0);
    const parser = new CsvParser();
    const counts: PieceCounts = { rowsRead: 0, rowsLoaded: 0 };
    let isHeader = skipFirstRecord;
    const onRecord = (fields: string[], localLine: number): void => {
      if (isHeader) {
        isHeader = false;
        return;
      }
      const line = localLine + lineOffset;
      counts.rowsRead++;
      if (fields.length !== headerWidth) {
        sinks.reject(line, 'WRONG_FIELD_COUNT', parser.currentRaw());
        return;
      }
      // PostgreSQL text cannot hold NUL; only pieces that contain one pay for the check.
      if (hasNul && fields.some((f) => f.includes('\0'))) {
        sinks.reject(line, 'NUL_CHARACTER', parser.currentRaw());
        return;
      }
      const cleaned = cleaner(this.isIdentity ? fields : arrange(fields, indexes));
      if (cleaned instanceof Reject) {
        sinks.reject(line, cleaned.reason, parser.currentRaw());
        return;
      }
      if (bloom && keyIndex >= 0) {
        const key = cleaned[keyIndex] as string;
        if (bloom.testAndAdd(key)) {
          sinks.candidate(key, line, parser.currentRaw());
        }
      }
      this.encoder.writeRow(line, cleaned);
      counts.rowsLoaded++;
    };
    parser.push(piece, onRecord);
    parser.end(onRecord);
    return { copy: this.encoder.take(), ...counts };
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
