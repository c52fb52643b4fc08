import { parentPort, workerData } from 'worker_threads';
import type { DatasetKind } from './kind.types';
import { Candidate, createRowPipeline, PieceInput, PieceOutput, PipelineSettings } from './row-pipeline';

/** Thread entry: turns file pieces into COPY bytes for one import (see piece-processors.ts). */
export interface LoadWorkerData extends PipelineSettings {
  /** Compiled module exporting `KINDS: DatasetKind[]` (the engine knows kinds only through it). */
  kindsModule: string;
  kind: string;
}

export type ToWorker =
  | ({ type: 'piece' } & PieceInput)
  | { type: 'candidates'; seq: number; positions: number[] }
  | { type: 'drop'; seq: number }
  | { type: 'recycle'; buffer: ArrayBuffer }
  | { type: 'finish' };

/** `spent`: the piece's own buffer, handed back for the next read. */
export type FromWorker =
  | ({ type: 'piece'; seq: number; spent: ArrayBuffer } & PieceOutput)
  | { type: 'candidates'; seq: number; candidates: Candidate[] }
  | { type: 'rollup'; part: unknown }
  | { type: 'finished' };

if (parentPort) {
  const port = parentPort;
  const data = workerData as LoadWorkerData;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { KINDS } = require(data.kindsModule) as { KINDS: DatasetKind[] };
  const pipeline = createRowPipeline(
    KINDS.find((k) => k.name === data.kind)!,
    data,
  );
  port.on('message', (msg: ToWorker) => {
    switch (msg.type) {
      case 'piece': {
        const spent = msg.piece.buffer as ArrayBuffer;
        const out = pipeline.processPiece({ ...msg, piece: Buffer.from(spent, msg.piece.byteOffset, msg.piece.byteLength) });
        // Parsing copied what it keeps (strings), so the piece's memory can go back to be read into again.
        const transfer = [spent, out.copy?.buffer, out.keyHashes?.buffer, ...(out.rollup?.transfer ?? [])].filter((b): b is ArrayBuffer => b !== undefined);
        port.postMessage({ type: 'piece', seq: msg.seq, spent, ...out } satisfies FromWorker, transfer);
        break;
      }
      case 'recycle':
        pipeline.recycle(msg.buffer);
        break;
      case 'candidates':
        port.postMessage({ type: 'candidates', seq: msg.seq, candidates: pipeline.takeCandidates(msg.seq, msg.positions) } satisfies FromWorker);
        break;
      case 'drop':
        pipeline.drop(msg.seq);
        break;
      case 'finish':
        // Each part is cloned as it is posted, before the next is made.
        for (const { part, transfer } of pipeline.finishRollup()) {
          port.postMessage({ type: 'rollup', part } satisfies FromWorker, transfer);
        }
        port.postMessage({ type: 'finished' } satisfies FromWorker);
        break;
    }
  });
}
