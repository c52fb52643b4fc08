import { wholeSlots } from './messaging.repository';

describe('wholeSlots', () => {
  it('gives the whole quarter hours of a window, to the microsecond', () => {
    expect(wholeSlots({ from: '2025-06-27T03:07:13.250000Z', to: '2025-06-29T20:52:41Z' })).toEqual({ lo: '2025-06-27T03:15:00.000Z', hi: '2025-06-29T20:45:00.000Z' });
    expect(wholeSlots({ from: '2025-06-27T03:15:00.000000Z', to: '2025-06-27T04:00:00.000000Z' })).toEqual({ lo: '2025-06-27T03:15:00.000Z', hi: '2025-06-27T04:00:00.000Z' });
    // A microsecond past a boundary is not on it (milliseconds alone would say it is).
    expect(wholeSlots({ from: '2025-06-27T03:15:00.000500Z', to: '2025-06-27T04:00:00.000000Z' })).toEqual({ lo: '2025-06-27T03:30:00.000Z', hi: '2025-06-27T04:00:00.000Z' });
    expect(wholeSlots({ from: '2025-06-27T03:15:00.000Z', to: '2025-06-27T03:59:59.999999Z' })).toEqual({ lo: '2025-06-27T03:15:00.000Z', hi: '2025-06-27T03:45:00.000Z' });
  });

  it('gives none for a window inside one quarter hour or across one boundary only', () => {
    expect(wholeSlots({ from: '2025-06-28T10:01:00Z', to: '2025-06-28T10:14:00Z' })).toBeNull();
    expect(wholeSlots({ from: '2025-06-28T10:10:00Z', to: '2025-06-28T10:20:00Z' })).toBeNull();
  });

  it('rounds the right way before 1970', () => {
    expect(wholeSlots({ from: '1969-12-31T23:40:00.000001Z', to: '1970-01-01T00:20:00Z' })).toEqual({ lo: '1969-12-31T23:45:00.000Z', hi: '1970-01-01T00:15:00.000Z' });
  });
});
