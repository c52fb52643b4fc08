import { Writable } from 'stream';

/** Writable that keeps everything written, optionally slow, and records backpressure facts. */
export class CollectingWritable extends Writable {
  readonly chunks: Buffer[] = [];
  maxPendingBeforeWrite = 0;
  writeCalls = 0;
  falseReturns = 0;

  constructor(
    highWaterMark: number,
    private readonly slow = false,
  ) {
    super({ highWaterMark, decodeStrings: true });
  }

  override write(chunk: unknown, ...rest: unknown[]): boolean {
    this.writeCalls++;
    this.maxPendingBeforeWrite = Math.max(this.maxPendingBeforeWrite, this.writableLength);
    const ok = (super.write as (...a: unknown[]) => boolean)(chunk, ...rest);
    if (!ok) this.falseReturns++;
    return ok;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.chunks.push(chunk);
    if (this.slow) setTimeout(() => cb(), 2);
    else cb();
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
