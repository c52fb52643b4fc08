import { existsSync, promises as fs, readFileSync, writeFileSync } from 'fs';
import { decodeCopyRow } from '@libs/csv';
import { DuplicateGuard } from './duplicate-guard';
import { ImportFailure } from './import-failure';
import { CHUNK_BYTES, streamIntoCopy } from './load-pipeline';
import type { PieceJob, PieceProcessor } from './piece-processors';
import type { PieceSpan } from './rejected-lines';
import {
  CollectingWritable,
  csvLine,
  decodeCopyRows,
  expectedOf,
  loadFile,
  loadSetup,
  makeRows,
  SourceFile,
  SourceRecord,
  tempDir,
  TEST_COPY_TYPES,
  toCsv,
  toJson,
} from './test-kind.spec-helper';

const MiB = 1 << 20;

/** Spans tile the file: each starts where the previous ended, and their units add up. */
function expectSpansTile(spans: PieceSpan[], size: number, units: number): void {
  expect(spans[0]).toMatchObject({ byteStart: 0, lineOffset: 0 });
  for (let i = 1; i < spans.length; i++) {
    expect(spans[i].byteStart).toBe(spans[i - 1].byteStart + spans[i - 1].byteLength);
    expect(spans[i].lineOffset).toBe(spans[i - 1].lineOffset + spans[i - 1].lines);
  }
  const last = spans[spans.length - 1];
  expect(last.byteStart + last.byteLength).toBe(size);
  expect(last.lineOffset + last.lines).toBe(units);
}

function lineFeeds(text: string): number {
  return text.split('\n').length - 1;
}

/** Records a piece processor's calls, around the real one. */
function recording(inner: PieceProcessor, events: string[]): PieceProcessor {
  return {
    parallelism: inner.parallelism,
    process: (job: PieceJob) => {
      events.push('piece');
      return inner.process(job);
    },
    candidates: (seq, positions) => inner.candidates(seq, positions),
    drop: (seq) => inner.drop(seq),
    recycle: (seq, buffer) => inner.recycle(seq, buffer),
    finishRollups: () => inner.finishRollups(),
    close: () => inner.close(),
  };
}

async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Simple quote-free rows `id-i,plain name i,i.25` of the test kind. */
function plainRows(from: number, to: number): string {
  let text = '';
  for (let i = from; i <= to; i++) {
    text += `id-${i},plain name number ${i},${i}.25\n`;
  }
  return text;
}

describe('streamIntoCopy', () => {
  const tmp = tempDir();
  const rows = makeRows(50_000, 7, { wrongCounts: true });
  const jsonRows = makeRows(50_000, 7);

  afterAll(() => tmp.remove());

  function writeSource(name: string, source: SourceFile): string {
    const file = tmp.file(name);
    writeFileSync(file, source.text);
    return file;
  }

  describe('with a CSV of 50,000 rows', () => {
    it.each([
      ['ending with a line feed', false],
      ['whose last line has no line feed', true],
    ])('should load every row with its line, reject the rest and record spans that tile the file when it spans several pieces (%s)', async (_name, isLastEolOmitted) => {
      const source = toCsv(rows, { isLastEolOmitted });
      const file = writeSource(`big-${isLastEolOmitted}.csv`, source);
      const expected = expectedOf(source.records);
      const size = Buffer.byteLength(source.text);
      const result = await loadFile(file, 'csv');

      expect(result.counters).toEqual({ bytesRead: size, rowsRead: 50_000, rowsLoaded: expected.loaded.length });
      expect(expected.rejects.map(([, reason]) => reason).sort()).toEqual(expect.arrayContaining(['INVALID_AMOUNT', 'MISSING_ID', 'WRONG_FIELD_COUNT']));
      expect(result.rejects).toEqual(expected.rejects);
      expect(result.loaded).toEqual(expected.loaded);
      expect(result.spans.length).toBeGreaterThanOrEqual(3);
      expectSpansTile(result.spans, size, lineFeeds(source.text));
      const buf = readFileSync(file);
      result.spans.slice(1).forEach((s) => expect(buf[s.byteStart - 1]).toBe(10));
      if (isLastEolOmitted) {
        expect(result.spans[result.spans.length - 1]).toMatchObject({ lines: 0, byteLength: Buffer.byteLength(source.records[49_999].raw) });
      }
    });
  });

  it('should load the last line as a final piece with no line of its own when it has no line feed', async () => {
    const file = tmp.file('short.csv');
    writeFileSync(file, 'ID,NAME,AMOUNT\na,Al,1\nb,Bo,2');
    const result = await loadFile(file, 'csv');
    expect(result.loaded).toEqual([
      { line: 2, values: ['a', 'Al', '1'] },
      { line: 3, values: ['b', 'Bo', '2'] },
    ]);
    expect(result.spans).toEqual([
      { byteStart: 0, byteLength: 22, lineOffset: 0, lines: 2 },
      { byteStart: 22, byteLength: 6, lineOffset: 2, lines: 0 },
    ]);
    expect(result.counters).toEqual({ bytesRead: 28, rowsRead: 2, rowsLoaded: 2 });
  });

  it('should cut only between records when CRLF files have quoted line breaks across every chunk the file is read in', async () => {
    const special = Array.from({ length: 8 }, (_, i) => `quoted line ${i} of a record that crosses a chunk`).join('\r\n');
    const crossing: string[][] = [];
    let size = Buffer.byteLength('ID,NAME,AMOUNT\r\n');
    let boundary = CHUNK_BYTES;
    for (const row of makeRows(45_000, 11, { multiLine: true }).map((r) => r.map((f) => f.replace(/\r?\n/g, '\r\n')))) {
      const gap = boundary - size;
      if (gap > 100 && gap < 300) {
        const extra = [`x-${boundary}`, `start\r\n${special}\r\nend`, '1'];
        crossing.push(extra);
        size += Buffer.byteLength(`${csvLine(extra)}\r\n`);
        boundary += CHUNK_BYTES;
      }
      crossing.push(row);
      size += Buffer.byteLength(`${csvLine(row)}\r\n`);
    }
    const source = toCsv(crossing, { eol: '\r\n' });
    const file = writeSource('crlf.csv', source);
    const total = Buffer.byteLength(source.text);
    // Each chunk edge lies inside a record, with line breaks of that record on both sides.
    const straddling = [1, 2, 3].map((k) => source.records.find((r) => r.byteStart < k * CHUNK_BYTES && k * CHUNK_BYTES < r.byteStart + Buffer.byteLength(r.raw)));
    straddling.forEach((r) => expect(r?.fields[0]).toMatch(/^x-/));

    const result = await loadFile(file, 'csv');
    const expected = expectedOf(source.records);
    expect(result.loaded).toEqual(expected.loaded);
    expect(result.rejects).toEqual(expected.rejects);
    expect(result.counters.rowsRead).toBe(source.records.length);
    expectSpansTile(result.spans, total, lineFeeds(source.text));
    const starts = new Set(source.records.map((r) => r.byteStart));
    result.spans.slice(1).forEach((s) => expect(starts.has(s.byteStart)).toBe(true));
    expect(result.loaded.some(({ values }) => values[1]!.includes('\r\n'))).toBe(true);
  });

  it.each([
    ['json-array', false],
    ['json-array', true],
    ['ndjson', false],
  ] as const)('should load the same values as the CSV, numbered by record, when the rows come as %s (pretty: %s)', async (format, isPretty) => {
    const csv = toCsv(jsonRows);
    const json = toJson(jsonRows, format, isPretty);
    const csvResult = await loadFile(writeSource('same.csv', csv), 'csv');
    const result = await loadFile(writeSource(`same-${isPretty}.${format}`, json), format);
    const expected = expectedOf(json.records);

    expect(result.loaded.map((r) => r.values)).toEqual(csvResult.loaded.map((r) => r.values));
    expect(result.loaded).toEqual(expected.loaded);
    expect(result.rejects).toEqual(expected.rejects);
    expect(result.rejects.map(([, reason]) => reason)).toEqual(csvResult.rejects.map(([, reason]) => reason));
    expect(result.counters).toEqual({ bytesRead: Buffer.byteLength(json.text), rowsRead: 50_000, rowsLoaded: csvResult.counters.rowsLoaded });
    expect(result.spans.length).toBeGreaterThanOrEqual(3);
    expectSpansTile(result.spans, Buffer.byteLength(json.text), 50_000);
  });

  describe('when the file is broken', () => {
    it("should fail with RECORD_TOO_LARGE at the record's start and close the COPY when a CSV quote never closes", async () => {
      const head = `ID,NAME,AMOUNT\n${plainRows(1, 10)}`;
      const file = tmp.file('unclosed.csv');
      writeFileSync(file, `${head}k,"unclosed name,5\n${plainRows(12, 80_000)}`);
      const setup = loadSetup(file, 'csv', { maxRecordBytes: MiB });

      await expect(streamIntoCopy(setup.options)).rejects.toMatchObject({
        name: 'ImportFailure',
        code: 'RECORD_TOO_LARGE',
        details: { line: 12, byteOffset: Buffer.byteLength(head), maxRecordBytes: MiB },
      });
      expect(setup.copy.destroyed).toBe(true);
      expect(setup.copy.isClosed).toBe(true);
      await setup.rejects.close();
    });

    it('should fail with RECORD_TOO_LARGE within the first chunk when the limit is smaller than a chunk and a quote never closes', async () => {
      const head = `ID,NAME,AMOUNT\n${plainRows(1, 3)}`;
      const file = tmp.file('unclosed-small.csv');
      writeFileSync(file, `${head}k,"unclosed name,5\n${plainRows(5, 12_000)}`);
      const setup = loadSetup(file, 'csv', { maxRecordBytes: 64 * 1024 });

      await expect(streamIntoCopy(setup.options)).rejects.toMatchObject({ code: 'RECORD_TOO_LARGE', details: { line: 5, byteOffset: head.length, maxRecordBytes: 64 * 1024 } });
      expect(setup.counters.bytesRead).toBeLessThanOrEqual(MiB);
      expect(setup.copy.isClosed).toBe(true);
      await setup.rejects.close();
    });

    it("should fail the import at the record's start, not load the rest of the file as one field, when a CSV quote opened in the last MiB never closes", async () => {
      let head = 'ID,AMOUNT,NAME\n';
      for (let i = 1; i < 35_000; i++) {
        head += `id-${i},${i}.25,plain name number ${i}\n`;
      }
      let rest = '';
      for (let i = 35_001; i <= 40_000; i++) {
        rest += `id-${i},${i}.25,plain name number ${i}\n`;
      }
      const file = tmp.file('unclosed-late.csv');
      writeFileSync(file, `${head}id-35000,35000.25,"plain name number 35000\n${rest}`);
      const setup = loadSetup(file, 'csv', { maxRecordBytes: MiB, header: ['ID', 'AMOUNT', 'NAME'] });

      // Today the row loads with the last 5,000 rows inside its NAME, and the import succeeds.
      await expect(streamIntoCopy(setup.options)).rejects.toMatchObject({ name: 'ImportFailure', details: { line: 35_001, byteOffset: head.length } });
      await setup.rejects.close();
    });

    it("should fail with RECORD_TOO_LARGE at the record's ordinal when one JSON value outgrows the limit", async () => {
      const head = '[{"id":"a","name":"x"},';
      const file = tmp.file('huge.json');
      writeFileSync(file, `${head}{"id":"b","name":"${'y'.repeat(3 * MiB)}"},{"id":"c","name":"z"}]`);
      const setup = loadSetup(file, 'json-array', { maxRecordBytes: MiB });
      await expect(streamIntoCopy(setup.options)).rejects.toMatchObject({ code: 'RECORD_TOO_LARGE', details: { line: 2, byteOffset: head.length } });
      expect(setup.copy.isClosed).toBe(true);
      await setup.rejects.close();
    });

    it('should fail with INVALID_JSON at the end of the file when a JSON array stops right after a comma', async () => {
      const text = '[{"id":"a","name":"x"},{"id":"b","name":"y"},';
      const file = tmp.file('cut.json');
      writeFileSync(file, text);
      const setup = loadSetup(file, 'json-array');
      const failure = (await streamIntoCopy(setup.options).catch((err: unknown) => err)) as ImportFailure;
      expect(failure).toBeInstanceOf(ImportFailure);
      expect(failure).toMatchObject({ code: 'INVALID_JSON', details: { byteOffset: text.length, line: 3 } });
      expect(failure.message).toBe(`The file is not valid JSON: unexpected end of input; expected a value at byte ${text.length} (record 3); nothing was loaded`);
      expect(setup.copy.isClosed).toBe(true);
      await setup.rejects.close();
    });

    it('should fail with INVALID_JSON at the end of the file when NDJSON stops inside its last record', async () => {
      const text = '{"id":"a","name":"x"}\n{"id":"b","name":"y"';
      const file = tmp.file('cut.ndjson');
      writeFileSync(file, text);
      const setup = loadSetup(file, 'ndjson');
      await expect(streamIntoCopy(setup.options)).rejects.toMatchObject({ code: 'INVALID_JSON', details: { byteOffset: text.length, line: 2 } });
      await setup.rejects.close();
    });

    it("should fail with INVALID_JSON at the error's byte in the file when it lies in the third piece after multi-byte text", async () => {
      const json = toJson(jsonRows, 'json-array');
      const bad = json.records.find((r) => r.byteStart > 2.5 * CHUNK_BYTES)!;
      const broken = bad.raw.replace(`"ID":${JSON.stringify(bad.fields[0])},`, `"ID":${JSON.stringify(bad.fields[0])} `);
      const before = Buffer.from(json.text).subarray(0, bad.byteStart).toString();
      const file = tmp.file('syntax.json');
      writeFileSync(file, before + broken + json.text.slice(before.length + bad.raw.length));
      const byteOffset = bad.byteStart + Buffer.byteLength(`{"ID":${JSON.stringify(bad.fields[0])} `);
      expect(Buffer.byteLength(before)).toBeGreaterThan(before.length);
      const setup = loadSetup(file, 'json-array');

      await expect(streamIntoCopy(setup.options)).rejects.toMatchObject({ code: 'INVALID_JSON', details: { byteOffset, line: bad.line } });
      const piece = setup.spans.findIndex((s) => s.byteStart <= byteOffset && byteOffset < s.byteStart + s.byteLength);
      expect(piece).toBe(2);
      const inPiece = readFileSync(file).subarray(setup.spans[2].byteStart, byteOffset);
      expect(inPiece.toString().length).toBeLessThan(inPiece.length);
      expect(setup.copy.isClosed).toBe(true);
      await setup.rejects.close();
    });
  });

  describe('buffer reuse', () => {
    const many = makeRows(200_000, 11, { wrongCounts: true });

    /** Loads a 200,000-row CSV, noting the buffers pieces arrive in and the COPY buffers handed back. */
    async function loadNoting(name: string, isSent: () => boolean) {
      const file = writeSource(name, toCsv(many));
      const setup = loadSetup(file, 'csv', { isSent });
      const inner = setup.options.processor;
      const pieceBuffers = new Set<ArrayBufferLike>();
      const recycled: ArrayBuffer[] = [];
      let pieces = 0;
      setup.options.processor = {
        ...recording(inner, []),
        process: (job: PieceJob) => {
          pieces++;
          pieceBuffers.add(job.piece.buffer);
          return inner.process(job);
        },
        recycle: (seq, buffer) => {
          recycled.push(buffer);
          inner.recycle(seq, buffer);
        },
      };
      await streamIntoCopy(setup.options);
      await setup.rejects.close();
      return { pieces, pieceBuffers, recycled, loaded: decodeCopyRows(setup.copy.bytes, TEST_COPY_TYPES, true) };
    }

    it('should read every piece into one of a few buffers that come back from the threads, and hand COPY buffers back once the connection holds none', async () => {
      const plain = await loadFile(writeSource('reuse-plain.csv', toCsv(many)), 'csv');
      const noted = await loadNoting('reuse.csv', () => true);

      expect(noted.pieces).toBeGreaterThan(10);
      expect(noted.pieceBuffers.size).toBeLessThanOrEqual(4);
      // Every COPY buffer but the header's goes back, and the rows reach the COPY intact although their buffers were refilled.
      expect(noted.recycled).toHaveLength(noted.pieces);
      expect(noted.loaded).toEqual(plain.loaded);
      expect(noted.loaded).toEqual(expectedOf(toCsv(many).records).loaded);
    });

    it('should keep COPY buffers the connection may still hold', async () => {
      const noted = await loadNoting('reuse-held.csv', () => false);

      expect(noted.recycled).toHaveLength(0);
      expect(noted.loaded).toEqual(expectedOf(toCsv(many).records).loaded);
    });
  });

  describe('onTick', () => {
    it('should await each tick before reading on when ticks are due after every chunk', async () => {
      const source = toCsv(rows);
      const file = writeSource('ticks.csv', source);
      const events: string[] = [];
      const setup = loadSetup(file, 'csv', { tickMs: 0 });
      setup.options.processor = recording(setup.options.processor, events);
      setup.options.onTick = async () => {
        events.push('tick');
        await turns(20);
        await fs.stat(file);
        events.push('tick done');
      };
      await streamIntoCopy(setup.options);
      await setup.rejects.close();

      const chunks = Math.ceil(Buffer.byteLength(source.text) / CHUNK_BYTES);
      expect(events.filter((e) => e === 'tick')).toHaveLength(chunks);
      events.forEach((e, i) => {
        if (e === 'tick') {
          expect(events[i + 1]).toBe('tick done');
        }
      });
    });

    it("should stop the load with the tick's error and close the COPY when a tick throws", async () => {
      const source = toCsv(rows);
      const file = writeSource('cancel.csv', source);
      const events: string[] = [];
      let ticks = 0;
      const setup = loadSetup(file, 'csv', { tickMs: 0 });
      setup.options.processor = recording(setup.options.processor, events);
      setup.options.onTick = () => (++ticks === 2 ? Promise.reject(new Error('import cancelled')) : Promise.resolve());

      await expect(streamIntoCopy(setup.options)).rejects.toThrow('import cancelled');
      expect(events).toEqual(['piece', 'piece']);
      expect(setup.counters.bytesRead).toBe(2 * CHUNK_BYTES);
      expect(setup.copy.isClosed).toBe(true);
      await setup.rejects.close();
    });
  });

  it("should reject with the COPY stream's error when the stream fails and closes itself", async () => {
    const file = tmp.file('refused.csv');
    writeFileSync(file, 'ID,NAME,AMOUNT\na,A,1\nb,B,2\n');
    const copy = new CollectingWritable(1);
    const setup = loadSetup(file, 'csv', { copy });
    let outcome: unknown = 'still pending';
    void streamIntoCopy(setup.options).then(
      () => (outcome = 'resolved'),
      (err: unknown) => (outcome = err),
    );
    await copy.whenClosed;
    // Nothing is left to read: settling takes a few turns of the event loop and closing the file (a thread-pool round trip).
    for (const started = Date.now(); outcome === 'still pending' && Date.now() - started < 2000;) {
      await turns(10);
    }
    await setup.rejects.close();
    expect(outcome).toMatchObject({ code: '22P02', message: 'invalid input syntax for type numeric' });
  });

  describe('with the duplicate guard', () => {
    /** Rows whose id repeats a row loaded earlier: in the first piece, across pieces, three times. */
    function withRepeats(): string[][] {
      const copy = jsonRows.map((r) => [...r]);
      const repeat = (later: number, earlier: number) => (copy[later - 1][0] = copy[earlier - 1][0]);
      repeat(10, 3);
      repeat(45_000, 5);
      repeat(30_000, 20_000);
      repeat(200, 100);
      repeat(40_000, 100);
      repeat(40_001, 40_000);
      return copy;
    }

    /** Lines of the loaded rows whose key an earlier loaded row had. */
    function laterOccurrences(records: SourceRecord[]): number[] {
      const seen = new Set<string>();
      const later: number[] = [];
      for (const { line, values } of expectedOf(records).loaded) {
        const key = values[0]!;
        if (seen.has(key)) {
          later.push(line);
        }
        seen.add(key);
      }
      return later;
    }

    /** The guard's candidates file as [key, line, raw] (its stream is closed first: it is private). */
    async function candidatesOf(guard: DuplicateGuard, keysPath: string): Promise<Array<[string, number, string]>> {
      await (guard as unknown as { close(): Promise<void> }).close();
      return readFileSync(keysPath, 'utf8')
        .split('\n')
        .slice(0, -1)
        .map((line) => {
          const [key, at, raw] = decodeCopyRow(line);
          return [key!, Number(at), raw!];
        });
    }

    it.each([
      ['csv', (r: string[][]) => toCsv(r, { eol: '\r\n' })],
      ['json-array', (r: string[][]) => toJson(r, 'json-array', true)],
      ['ndjson', (r: string[][]) => toJson(r, 'ndjson')],
    ] as const)('should flag every later occurrence of a key, with its exact raw text, when keys repeat within and across pieces (%s)', async (format, build) => {
      const source = build(withRepeats());
      const file = writeSource(`dups.${format}`, source);
      const keysPath = tmp.file(`dups-${format}.keys`);
      const guard = new DuplicateGuard(keysPath, Buffer.byteLength(source.text), 1 << 20, 'dup_candidates');
      const result = await loadFile(file, format, { duplicates: guard });
      const later = laterOccurrences(source.records);
      const candidates = await candidatesOf(guard, keysPath);

      expect(later).toEqual(format === 'csv' ? [11, 201, 30001, 40001, 40002, 45001] : [10, 200, 30000, 40000, 40001, 45000]);
      expect(result.spans.length).toBeGreaterThanOrEqual(3);
      expect(guard.candidates).toBe(candidates.length);
      expect(candidates.map(([, line]) => line)).toEqual(expect.arrayContaining(later));
      const byLine = new Map(source.records.map((r) => [r.line, r]));
      for (const [key, line, raw] of candidates) {
        expect(raw).toBe(byLine.get(line)!.raw);
        expect(key).toBe(byLine.get(line)!.fields[0].trim());
      }
      expect(new Set(candidates.map(([, line]) => line)).size).toBe(candidates.length);
      await guard.dispose();
      expect(existsSync(keysPath)).toBe(false);
    });

    it('should record no candidate when every key is distinct and the filter is roomy', async () => {
      const source = toCsv(jsonRows.slice(0, 2000));
      const file = writeSource('distinct.csv', source);
      const keysPath = tmp.file('distinct.keys');
      const guard = new DuplicateGuard(keysPath, 1 << 30, 1 << 20, 'dup_candidates');
      await loadFile(file, 'csv', { duplicates: guard });
      expect(await candidatesOf(guard, keysPath)).toEqual([]);
      expect(guard.candidates).toBe(0);
      await guard.dispose();
    });
  });
});
