import { asDeterministicFailure, ImportFailure } from './import-failure';

const pgError = (code: string, message = 'pg says no') => Object.assign(new Error(message), { code, severity: 'ERROR' });

describe('asDeterministicFailure', () => {
  it('should return the same ImportFailure when given one', () => {
    const failure = new ImportFailure('RECORD_TOO_LARGE', 'too long', { line: 12, byteOffset: 345 });
    expect(asDeterministicFailure(failure)).toBe(failure);
  });

  it('should map a load thread out of memory to MEMORY_LIMIT when the worker code is ERR_WORKER_OUT_OF_MEMORY', () => {
    const err = Object.assign(new Error('Worker terminated due to reaching memory limit: JS heap out of memory'), { code: 'ERR_WORKER_OUT_OF_MEMORY' });
    const failure = asDeterministicFailure(err);
    expect(failure).toBeInstanceOf(ImportFailure);
    expect(failure).toMatchObject({
      code: 'MEMORY_LIMIT',
      message: 'A load thread ran out of memory (LOAD_THREAD_HEAP_MB)',
      details: {},
      internal: 'Worker terminated due to reaching memory limit: JS heap out of memory',
    });
  });

  it('should map a vanished file to FILE_MISSING when the error is ENOENT', () => {
    const err = Object.assign(new Error("ENOENT: no such file or directory, open '/data/x.csv'"), { code: 'ENOENT', errno: -2 });
    expect(asDeterministicFailure(err)).toMatchObject({
      code: 'FILE_MISSING',
      message: 'The uploaded file is gone from DATA_DIR',
      internal: "ENOENT: no such file or directory, open '/data/x.csv'",
    });
  });

  it.each(['22P02', '22003', '22001', '22021', '23505', '23502', '23514'])('should map SQLSTATE %s to DATA_REFUSED with its sqlState when Postgres refuses a value', (code) => {
    expect(asDeterministicFailure(pgError(code, 'bad value'))).toMatchObject({
      code: 'DATA_REFUSED',
      message: `PostgreSQL refused the data (SQLSTATE ${code})`,
      internal: 'bad value',
      details: { sqlState: code },
    });
  });

  it.each(['42601', '42703', '54000', '54001'])('should map SQLSTATE %s to DATA_REFUSED naming the statement when Postgres refuses the statement itself', (code) => {
    expect(asDeterministicFailure(pgError(code, 'bad statement'))).toMatchObject({
      code: 'DATA_REFUSED',
      message: `PostgreSQL refused a statement of the load (SQLSTATE ${code})`,
      internal: 'bad statement',
      details: { sqlState: code },
    });
  });

  it.each([
    ['a table dropped meanwhile (42P01)', pgError('42P01')],
    ['an object dropped meanwhile (42704)', pgError('42704')],
    ['a lost connection (08006)', pgError('08006')],
    ['a deadlock (40P01)', pgError('40P01')],
    ['an admin shutdown (57P01)', pgError('57P01')],
    ['a serialization failure (40001)', pgError('40001')],
    ['a full disk (53100)', pgError('53100')],
    ['a full disk (ENOSPC)', Object.assign(new Error('no space left on device'), { code: 'ENOSPC' })],
    ['a plain Error', new Error('boom')],
    ['a thrown string', 'boom'],
    ['undefined', undefined],
    ['null', null],
    ['a lower-case SQLSTATE-like code', pgError('22p02')],
    ['a numeric code', Object.assign(new Error('x'), { code: 22001 })],
  ])('should return null (retryable) when the error is %s', (_name, err) => {
    expect(asDeterministicFailure(err)).toBeNull();
  });
});
