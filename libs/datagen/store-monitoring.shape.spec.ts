import { applyStoreMonitoringShape, STORE_MONITORING_ADVERSARIAL, storeMonitoringCsvStrings } from './index';

const DAY_MS = 86_400_000;

/** Column 0 of every data line. */
const storeIds = (csv: string): string[] =>
  csv
    .split('\n')
    .slice(1, -1)
    .map((l) => l.slice(0, l.indexOf(',')));

describe('store-monitoring adversarial shape', () => {
  it('should define the adversarial preset exactly', () => {
    expect(STORE_MONITORING_ADVERSARIAL).toEqual({
      stores: 1_000_000,
      days: 3_650,
      rows: 4_000_000,
    });
  });

  it('should fill in a million stores, 3,650 days and 4M rows when the shape is adversarial', () => {
    // (Generating them is measured by npm run generate, not here.)
    expect(applyStoreMonitoringShape({ shape: 'adversarial', seed: 3 })).toEqual({
      shape: 'adversarial',
      seed: 3,
      stores: 1_000_000,
      days: 3_650,
      rows: 4_000_000,
    });
    expect(applyStoreMonitoringShape({ shape: 'adversarial', rows: 5, days: undefined })).toEqual({
      shape: 'adversarial',
      stores: 1_000_000,
      days: 3_650,
      rows: 5,
    });
    expect(applyStoreMonitoringShape({ stores: 7 })).toEqual({ stores: 7 });
  });

  it('should poll each store a few times over ten years, every day, when the shape is adversarial', () => {
    // Explicit stores and rows win over the preset; its 3,650 days stay.
    const res = storeMonitoringCsvStrings({
      shape: 'adversarial',
      stores: 3_000,
      rows: 12_000,
      seed: 8,
    });
    const polling = res.stores - res.storesWithoutPolls;
    expect(res.statusRows / polling).toBeGreaterThan(3.5);
    expect(res.statusRows / polling).toBeLessThan(4.5);
    const endMs = res.endAt.getTime();
    expect(res.firstPollAt!.getTime()).toBeGreaterThanOrEqual(endMs - 3_650 * DAY_MS);
    expect(res.firstPollAt!.getTime()).toBeLessThan(endMs - 3_640 * DAY_MS);
    expect(res.lastPollAt!.getTime()).toBeLessThan(endMs);
    const days = new Set(
      res.statusCsv
        .split('\n')
        .slice(1, -1)
        .map((l) => l.split(',')[2].slice(0, 10)),
    );
    expect(days.size).toBeGreaterThan(3_300); // ~3.3 polls a day
    // The three files share the store ids, and every store is in one of them.
    const status = new Set(storeIds(res.statusCsv));
    const hours = new Set(storeIds(res.hoursCsv));
    const zones = new Set(storeIds(res.timezonesCsv));
    expect(new Set([...status, ...hours, ...zones]).size).toBe(3_000);
    expect(status.size).toBe(polling);
  });

  it('should keep the hours and zones of a store when the shape changes the polls', () => {
    const plain = storeMonitoringCsvStrings({ stores: 400, rows: 4_000, seed: 6 });
    const adversarial = storeMonitoringCsvStrings({
      shape: 'adversarial',
      stores: 400,
      rows: 1_600,
      seed: 6,
    });
    expect(adversarial.hoursCsv).toBe(plain.hoursCsv);
    expect(adversarial.timezonesCsv).toBe(plain.timezonesCsv);
  });

  it('should reject an unknown shape', () => {
    expect(() => storeMonitoringCsvStrings({ shape: 'mixed' as 'adversarial', stores: 1 })).toThrow(RangeError);
  });
});
