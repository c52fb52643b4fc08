import { mapHeader } from './header-mapping';
import { TEST_COLUMNS } from './test-kind.spec-helper';

describe('mapHeader', () => {
  it('should map each kind column to its file column when the header is in the kind order', () => {
    expect(mapHeader(TEST_COLUMNS, ['ID', 'NAME', 'AMOUNT'])).toEqual({ indexes: [0, 1, 2], missing: [], headerWidth: 3 });
  });

  it('should match names case- and whitespace-insensitively when the header is reordered and has extra columns', () => {
    expect(mapHeader(TEST_COLUMNS, ['note', ' amount ', '\tName', 'iD  ', 'other'])).toEqual({ indexes: [3, 2, 1], missing: [], headerWidth: 5 });
  });

  it('should keep the first of two columns with the same name when a header repeats one', () => {
    expect(mapHeader(TEST_COLUMNS, ['id', 'NAME', ' ID', 'name', 'Amount', 'AMOUNT'])).toEqual({ indexes: [0, 1, 4], missing: [], headerWidth: 6 });
  });

  it('should list the missing required columns in kind order and give -1 for them when they are absent', () => {
    expect(mapHeader(TEST_COLUMNS, ['AMOUNT', 'other'])).toEqual({ indexes: [-1, -1, 0], missing: ['ID', 'NAME'], headerWidth: 2 });
  });

  it('should give -1 and not list an optional column when it is absent', () => {
    expect(mapHeader(TEST_COLUMNS, ['NAME', 'ID'])).toEqual({ indexes: [1, 0, -1], missing: [], headerWidth: 2 });
  });

  it('should list every required column when the header is empty', () => {
    expect(mapHeader(TEST_COLUMNS, [])).toEqual({ indexes: [-1, -1, -1], missing: ['ID', 'NAME'], headerWidth: 0 });
  });

  it('should not match a name that only contains a column name when the header has near misses', () => {
    expect(mapHeader(TEST_COLUMNS, ['ID_', 'THE NAME', 'AMOUNTS']).indexes).toEqual([-1, -1, -1]);
  });
});
