import { merchantsCsvString, salesCsvString, storeMonitoringCsvStrings, transactionsCsvString } from './index';
import { sha256 } from './parsed-csv.spec-helper';

/**
 * The default output of every generator, pinned by SHA-256. The hashes were recorded from the
 * generators as they were before the shape options (zones, categories, customers, quoting, JSON…)
 * were added: existing tests and recorded benchmark figures depend on these exact bytes, so a new
 * option may only change the output when it is set.
 */

const NOW = new Date('2025-12-01T12:00:00.000Z');

describe('default generator output', () => {
  it('should give the recorded transactions bytes and counts when no new option is set', () => {
    const cases = [
      {
        opts: { rows: 2_000, seed: 123, now: NOW, errorRate: 0.05 },
        sha: '7b0f50f48996b4e3d01bbcf59b7e43bedcfdb13b6f39aa014d717ef3fc348dea',
        faulty: [102, 16, 11, 13, 15, 17, 18, 12],
      },
      {
        opts: { rows: 3_000, seed: 7, now: NOW, merchants: 300, days: 30, errorRate: 0.1 },
        sha: '4f6c25269c38039c91def611d145bafde0df311a3ad912fa1e331ff4555cc3b5',
        faulty: [327, 48, 56, 40, 43, 49, 48, 43],
      },
      {
        opts: { rows: 1_500, seed: 1, now: new Date('2024-02-29T23:59:59.999Z') },
        sha: '5ab5650372d3bee35522c483c0be617df1da5fbaf1530bae15e20e6991f6d0a4',
        faulty: [28, 3, 5, 3, 4, 4, 7, 2],
      },
    ];
    for (const { opts, sha, faulty } of cases) {
      const { csv, result } = transactionsCsvString(opts);
      expect(sha256(csv)).toBe(sha);
      expect([result.faultyRows, ...Object.values(result.faultsByType)]).toEqual(faulty);
      expect(result.quotedRows).toBe(0);
    }
  });

  it('should give the same bytes when the default shape is named explicitly', () => {
    const opts = { rows: 2_000, seed: 123, now: NOW, errorRate: 0.05 };
    expect(transactionsCsvString({ ...opts, shape: 'default' }).csv).toBe(transactionsCsvString(opts).csv);
  });

  it('should give the recorded merchants bytes when no zones or categories are set', () => {
    expect(sha256(merchantsCsvString({ rows: 1_234, seed: 3 }))).toBe('47176991a2fbd3077e9063faaaa4a039565a2beecc7c81878d184c7ac49c99b5');
    expect(sha256(merchantsCsvString({ rows: 12_345, seed: 1 }))).toBe('33ea58e75d98555217d70cda6392b89d9925a0810ec42839b125a7a7dc9d2afe');
  });

  it('should give the recorded sales bytes and counts when no new option is set', () => {
    const a = salesCsvString({ rows: 3_000, seed: 3 });
    expect(sha256(a.csv)).toBe('b2243efc39b5906a4d304c9c3d2786faeb47e861d1c09e9436dce9a960663d0e');
    expect([a.faultyRows, a.expectedDropped, a.duplicateOrderIdRows]).toEqual([456, 223, 20]);
    const b = salesCsvString({ rows: 2_000, seed: 9, year: 2023, errorRate: 0.4 });
    expect(sha256(b.csv)).toBe('ba9b77e6dd9753c542b0ee5c2243707cdc0c1553e2b6edb1b873a95b0e1c389a');
    expect([b.faultyRows, b.expectedDropped, b.duplicateOrderIdRows]).toEqual([789, 385, 11]);
    expect(salesCsvString({ rows: 3_000, seed: 3, shape: 'default' }).csv).toBe(a.csv);
  });

  it('should give the recorded store-monitoring bytes and counts when no shape is set', () => {
    const a = storeMonitoringCsvStrings({ stores: 300, rows: 10_000, seed: 3 });
    expect([sha256(a.statusCsv), sha256(a.hoursCsv), sha256(a.timezonesCsv)]).toEqual([
      '160bf10ef14c916b63c53e002f00d8f8e32cd8009cdbea84da5259ce54d42611',
      '94b6ea41e47823dde48a31c400e742fb0360b0b60a45139f7a84d664fcabd1dc',
      'a66cf3fa3d37db238b02c2a60da8bcdc6ad7efcd34fa23f837ab3f700a247d56',
    ]);
    expect([a.statusRows, a.duplicates, a.hoursRows, a.timezoneRows]).toEqual([10_002, 2, 1_837, 284]);
    const endAt = new Date('2024-03-10T12:34:56.789Z');
    const b = storeMonitoringCsvStrings({
      stores: 100,
      days: 2,
      intervalMinutes: 30,
      endAt,
      seed: 4,
    });
    expect([sha256(b.statusCsv), sha256(b.hoursCsv), sha256(b.timezonesCsv)]).toEqual([
      '53994d25b94ddb4d29ac60343ff557c9b640691bb9798c7646b4a05bbfa82056',
      '442b006dd945aaad611f6a4a924544293455fe0ab06b455b0f2ecaa90e77f3d0',
      'd828c35584232c99ee1ca81278ee35ee264668ad2558e62bd0b4ae649f4e35ae',
    ]);
    expect([b.statusRows, b.duplicates, b.hoursRows, b.timezoneRows]).toEqual([9_588, 1, 559, 97]);
  });
});
