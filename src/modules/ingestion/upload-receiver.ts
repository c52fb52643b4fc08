import { HttpStatus, Injectable } from '@nestjs/common';
import busboy from 'busboy';
import { createHash, randomUUID } from 'crypto';
import type { Request } from 'express';
import { createWriteStream, promises as fs } from 'fs';
import type { IncomingMessage } from 'http';
import * as path from 'path';
import { Readable, Transform, TransformCallback } from 'stream';
import { pipeline } from 'stream/promises';
import { AppConfig } from '@config/app-config';
import { AppError } from '@common/errors';
import { declaredType } from './file-sniffer';
import { IngestionErrors } from './ingestion.errors';

export interface ReceivedFile {
  /** Relative to DATA_DIR. */
  relativePath: string;
  fileName: string;
  /** The part's or the body's declared media type ('' when none). */
  mimeType: string;
  sizeBytes: number;
  sha256: string;
  head: Buffer;
}

export interface ReceivedForm {
  fields: Record<string, string>;
  file: ReceivedFile | null;
}

/** What a request says about a file before its bytes: its name and media type. */
export interface FileLabel {
  fileName: string;
  mimeType: string;
}

/** Called with the first bytes (and whether they are the whole file), the form fields seen so far and the file's label. */
export type HeadCheck = (head: Buffer, isComplete: boolean, fields: Record<string, string>, label: FileLabel) => void;

/** Upload files live in DATA_DIR/uploads, named by their import id (the sweeper relies on it). */
export const UPLOADS_DIR = 'uploads';

/** Hashes, counts and caps a byte stream on its way to disk, keeping its first bytes for checks. */
class MeteredStream extends Transform {
  readonly hash = createHash('sha256');
  sizeBytes = 0;
  private headParts: Buffer[] = [];
  private headLength = 0;
  private headChecked = false;

  constructor(
    private readonly maxBytes: number,
    private readonly headBytes: number,
    private readonly onHead: (head: Buffer, isComplete: boolean) => void,
  ) {
    super();
  }

  get head(): Buffer {
    return Buffer.concat(this.headParts);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.sizeBytes += chunk.length;
    if (this.sizeBytes > this.maxBytes) {
      done(IngestionErrors.tooLarge(this.maxBytes));
      return;
    }
    this.hash.update(chunk);
    if (this.headLength < this.headBytes) {
      this.headParts.push(chunk.subarray(0, this.headBytes - this.headLength));
      this.headLength += Math.min(chunk.length, this.headBytes - this.headLength);
    }
    if (!this.headChecked && this.headLength >= this.headBytes) {
      if (!this.checkHead(false, done)) {
        return;
      }
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (!this.headChecked && !this.checkHead(true, done)) {
      return;
    }
    done();
  }

  private checkHead(isComplete: boolean, done: TransformCallback): boolean {
    this.headChecked = true;
    try {
      this.onHead(this.head, isComplete);
      return true;
    } catch (err) {
      done(err as Error);
      return false;
    }
  }
}

/** Streams request bodies to files under DATA_DIR/uploads; nothing is held in memory. */
@Injectable()
export class UploadReceiver {
  constructor(private readonly config: AppConfig) {}

  /** Rejects a body whose declared length is already over the limit, before reading it. */
  assertDeclaredSize(req: Pick<Request, 'headers'>): void {
    const declared = Number(req.headers['content-length'] ?? NaN);
    // Multipart framing adds a little; a body over limit + 64 KiB cannot hold a file under it.
    if (Number.isFinite(declared) && declared > this.config.MAX_UPLOAD_BYTES + 64 * 1024) {
      throw IngestionErrors.tooLarge(this.config.MAX_UPLOAD_BYTES);
    }
  }

  /** A request body, or a stream the server produces itself (no headers: nothing declared). */
  async receiveRaw(body: Readable & Partial<Pick<Request, 'headers'>>, id: string, fileName: string, checkHead: HeadCheck): Promise<ReceivedFile> {
    if (body.headers) {
      this.assertDeclaredSize({ headers: body.headers });
    }
    const label = { fileName, mimeType: body.headers?.['content-type'] ?? '' };
    return this.saveStream(body, id, label, (head, complete) => checkHead(head, complete, {}, label));
  }

  receiveMultipart(req: Request, id: string, checkHead: HeadCheck): Promise<ReceivedForm> {
    this.assertDeclaredSize(req);
    const contentType = req.headers['content-type'] ?? '';
    if (!contentType.startsWith('multipart/form-data')) {
      throw IngestionErrors.notMultipart();
    }
    return new Promise<ReceivedForm>((resolve, reject) => {
      const fields: Record<string, string> = {};
      let saving: Promise<ReceivedFile> | null = null;
      let fileStream: Readable | null = null;
      let failed = false;
      const fail = (err: Error) => {
        if (!failed) {
          failed = true;
          req.unpipe(parser);
          req.resume();
          // A file still arriving stops (saveStream removes it); one already saved is removed
          // before the refusal is answered, so a broken request leaves no file behind.
          fileStream?.destroy(new Error('upload refused'));
          void this.settleAndDiscard(saving ? [saving.then((file) => ({ file }))] : []).then(
            () => reject(err),
            () => reject(err),
          );
        }
      };
      let parser: busboy.Busboy;
      try {
        parser = busboy({ headers: req.headers, limits: { files: 1, fields: 20, fieldSize: 64 * 1024 } });
      } catch {
        throw IngestionErrors.notMultipart();
      }
      parser.on('field', (name, value) => {
        fields[name] = value;
      });
      parser.on('file', (name, stream, info) => {
        if (name !== 'file' || saving) {
          stream.resume();
          return;
        }
        fileStream = stream;
        const label = { fileName: info.filename || 'upload.csv', mimeType: info.mimeType ?? '' };
        saving = this.saveStream(stream, id, label, (head, complete) => checkHead(head, complete, fields, label));
        saving.catch(fail);
      });
      parser.on('error', (err: Error) => fail(new AppError('INVALID_MULTIPART', HttpStatus.BAD_REQUEST, `Malformed multipart body: ${err.message}`)));
      parser.on('close', () => {
        if (failed) {
          return;
        }
        if (!saving) {
          resolve({ fields, file: null });
          return;
        }
        saving.then((file) => resolve({ fields, file }), fail);
      });
      req.on('aborted', () => fail(IngestionErrors.uploadAborted()));
      req.pipe(parser);
    });
  }

  /**
   * multipart/form-data with several files, each in a part named after its role (`allowed`);
   * every file streams to disk under its own new id. A part with another name is refused; on any
   * failure every file already saved is removed.
   */
  receiveFiles(
    req: Request,
    allowed: string[],
    checkHead: (part: string, head: Buffer, isComplete: boolean, label: FileLabel) => void,
  ): Promise<Array<{ part: string; id: string; file: ReceivedFile }>> {
    this.assertDeclaredSize(req);
    if (!(req.headers['content-type'] ?? '').startsWith('multipart/form-data')) {
      throw IngestionErrors.notMultipart();
    }
    return new Promise((resolve, reject) => {
      const saving: Array<Promise<{ part: string; id: string; file: ReceivedFile }>> = [];
      const streams: Readable[] = [];
      let failure: unknown = null;
      const fail = (err: Error) => {
        if (failure === null) {
          failure = err;
          req.unpipe(parser);
          req.resume();
          // Files still arriving stop (saveStream removes them); finished ones are removed here,
          // before the refusal is answered, so a refused request leaves no file behind.
          streams.forEach((s) => s.destroy(new Error('upload refused')));
          void this.settleAndDiscard(saving).then(
            () => reject(err),
            () => reject(err),
          );
        }
      };
      let parser: busboy.Busboy;
      try {
        parser = busboy({ headers: req.headers, limits: { files: allowed.length, fields: 20, fieldSize: 64 * 1024 } });
      } catch {
        throw IngestionErrors.notMultipart();
      }
      const seen = new Set<string>();
      parser.on('file', (part, stream, info) => {
        if (failure !== null) {
          stream.resume();
          return;
        }
        if (!allowed.includes(part) || seen.has(part)) {
          stream.resume();
          fail(seen.has(part) ? IngestionErrors.repeatedPart(part) : IngestionErrors.unknownPart(part, allowed));
          return;
        }
        seen.add(part);
        streams.push(stream);
        const id = randomUUID();
        const label = { fileName: info.filename || `${part}.csv`, mimeType: info.mimeType ?? '' };
        const saved = this.saveStream(stream, id, label, (head, complete) => checkHead(part, head, complete, label)).then((file) => ({ part, id, file }));
        saving.push(saved);
        saved.catch(fail);
      });
      parser.on('error', (err: Error) => fail(new AppError('INVALID_MULTIPART', HttpStatus.BAD_REQUEST, `Malformed multipart body: ${err.message}`)));
      parser.on('close', () => {
        if (failure === null) {
          Promise.all(saving).then(resolve, fail);
        }
      });
      req.on('aborted', () => fail(IngestionErrors.uploadAborted()));
      req.pipe(parser);
    });
  }

  private async settleAndDiscard(saving: Array<Promise<{ file: ReceivedFile }>>): Promise<void> {
    for (const outcome of await Promise.allSettled(saving)) {
      if (outcome.status === 'fulfilled') {
        await this.discard(outcome.value.file.relativePath);
      }
    }
  }

  async discard(relativePath: string | null): Promise<void> {
    if (relativePath) {
      await fs.rm(this.absolute(relativePath), { force: true });
    }
  }

  absolute(relativePath: string): string {
    return path.resolve(this.config.DATA_DIR, relativePath);
  }

  private async saveStream(body: Readable, id: string, label: FileLabel, onHead: (head: Buffer, isComplete: boolean) => void): Promise<ReceivedFile> {
    const relativePath = path.join(UPLOADS_DIR, `${id}.${declaredType(label.mimeType, label.fileName)}`);
    const target = this.absolute(relativePath);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const meter = new MeteredStream(this.config.MAX_UPLOAD_BYTES, 64 * 1024, onHead);
    // The source is piped, not pipelined: on a refusal it must be drained, not destroyed,
    // so that the error response still reaches the client.
    const written = pipeline(meter, createWriteStream(target, { highWaterMark: 1 << 20 }));
    const abort = () => meter.destroy(IngestionErrors.uploadAborted());
    // A request that closes before its end (the client went away) is an abort too.
    const closed = () => (body as Partial<IncomingMessage>).complete === false && abort();
    body.once('aborted', abort);
    body.once('error', abort);
    body.once('close', closed);
    body.pipe(meter);
    try {
      await written;
    } catch (err) {
      body.unpipe(meter);
      body.resume();
      await fs.rm(target, { force: true });
      throw err instanceof AppError ? err : IngestionErrors.uploadAborted();
    } finally {
      body.off('aborted', abort);
      body.off('error', abort);
      body.off('close', closed);
    }
    return {
      relativePath,
      fileName: path.basename(label.fileName).slice(0, 255),
      mimeType: label.mimeType,
      sizeBytes: meter.sizeBytes,
      sha256: meter.hash.digest('hex'),
      head: meter.head,
    };
  }
}
