import { parentPort, workerData } from 'worker_threads';
import { BloomFilter } from '@libs/csv';
import { KINDS } from './kinds';
import { RowPipeline } from './row-pipeline';

/** Thread entry: turns file pieces into COPY bytes for one import (see piece-processors.ts). */
export interface LoadWorkerData {
  kind: string;
  nowMs: number;
  indexes: number[];
  headerWidth: number;
  keyIndex: number;
  bloom: SharedArrayBuffer | null;
}

export interface PieceTask {
  seq: number;
  piece: Uint8Array;
  lineOffset: number;
  skipFirstRecord: boolean;
}

export interface PieceResult {
  seq: number;
  copy: Uint8Array | null;
  rowsRead: number;
  rowsLoaded: number;
  rejects: Array<[number, string, string]>;
  candidates: Array<[string, number, string]>;
}

if (parentPort) {
  const port = parentPort;
  const data = workerData as LoadWorkerData;
  const kind = KINDS.find((k) => k.name === data.kind)!;
  const pipeline = new RowPipeline({
    cleaner: kind.createCleaner({ now: new Date(data.nowMs) }),
    copyTypes: kind.copyTypes,
    indexes: data.indexes,
    headerWidth: data.headerWidth,
    keyIndex: data.keyIndex,
    bloom: data.bloom ? new BloomFilter(0, 10, 64 << 20, data.bloom) : null,
  });
  port.on('message', (task: PieceTask) => {
    const rejects: PieceResult['rejects'] = [];
    const candidates: PieceResult['candidates'] = [];
    const piece = Buffer.from(task.piece.buffer, task.piece.byteOffset, task.piece.byteLength);
    const out = pipeline.processPiece(piece, task.lineOffset, task.skipFirstRecord, {
      reject: (line, reason, raw) => rejects.push([line, reason, raw]),
      candidate: (key, line, raw) => candidates.push([key, line, raw]),
    });
    const result: PieceResult = { seq: task.seq, copy: out.copy, rowsRead: out.rowsRead, rowsLoaded: out.rowsLoaded, rejects, candidates };
    port.postMessage(result, out.copy ? [out.copy.buffer as ArrayBuffer] : []);
  });
}
