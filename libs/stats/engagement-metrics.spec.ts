import { engagementRate, parseWeights } from './engagement-metrics';

describe('engagement metrics', () => {
  it('should work out the rate by hand', () => {
    // 30 actions by 10 users, mean 150 s: 3 × 0.5 × 100 = 150.
    expect(engagementRate({ users: 10, actions: { login: 10, message_send: 20 }, durationMsSum: 30 * 150_000, durations: 30 })).toBe(150);
    // Weights: 10 × 0.5 + 20 × 2 = 45 over 10 users, mean ≥ 300 s counts fully: 450.
    expect(engagementRate({ users: 10, actions: { login: 10, message_send: 20 }, durationMsSum: 2 * 600_000, durations: 2 }, { login: 0.5, message_send: 2 })).toBe(450);
    // 7 actions, 3 users, mean 100 s: 7/3 × 1/3 × 100 = 77.777… → 77.78.
    expect(engagementRate({ users: 3, actions: { report_view: 7 }, durationMsSum: 100_000, durations: 1 })).toBe(77.78);
  });

  it('should give 0 with no users or no duration', () => {
    expect(engagementRate({ users: 0, actions: {}, durationMsSum: 0, durations: 0 })).toBe(0);
    expect(engagementRate({ users: 4, actions: { login: 4 }, durationMsSum: 0, durations: 0 })).toBe(0);
  });

  it('should read a weights map and name what is wrong in a bad one', () => {
    expect(parseWeights('login:0.5, message_send:2', ['login', 'message_send'])).toEqual({ login: 0.5, message_send: 2 });
    expect(parseWeights('', ['login'])).toEqual({});
    expect(parseWeights('login:-1', ['login'])).toContain('login:-1');
    expect(parseWeights('login', ['login'])).toContain('type:weight');
    expect(parseWeights('dance:1', ['login'])).toContain("'dance' is not an action type");
  });
});
