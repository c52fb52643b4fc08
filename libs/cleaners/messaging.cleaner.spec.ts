import { Reject } from './cleaner.types';
import {
  createEngagementEventsCleaner,
  createMessageEventsCleaner,
  createSystemMetricsCleaner,
  MESSAGE_EVENT_REJECT_CODES,
  normalizeMessageStatus,
  readEventTimestamp,
} from './messaging.cleaner';
import { rowOverrides } from './row-overrides.spec-helper';

const ctx = { now: new Date('2025-06-30T12:00:00.000Z') };

describe('readEventTimestamp', () => {
  it.each([
    ['2025-06-01T10:00:00Z', '2025-06-01 10:00:00+00:00'],
    ['2025-06-01 10:00:00', '2025-06-01 10:00:00+00:00'],
    ['2025-06-01T12:00:00+02:00', '2025-06-01 10:00:00+00:00'],
    ['2025-06-01T10:00:00.250Z', '2025-06-01 10:00:00.25+00:00'],
    ['1717236000', '2024-06-01 10:00:00+00:00'],
    ['1717236000.5', '2024-06-01 10:00:00.5+00:00'],
    ['1717236000.000', '2024-06-01 10:00:00+00:00'],
    ['0', '1970-01-01 00:00:00+00:00'],
  ])('should read %s as %s', (raw, expected) => {
    expect(readEventTimestamp(raw)).toBe(expected);
  });

  it.each(['yesterday', '2025-02-30T10:00:00Z', '1717236000000000', '1717236000.1234567', '1717236000.', '-5', '17172e6', '253402300800'])('should refuse %s', (raw) => {
    expect(readEventTimestamp(raw)).toBeNull();
  });

  it('should give equal text for the same instant written as an epoch and as ISO 8601', () => {
    expect(readEventTimestamp('1717236000')).toBe(readEventTimestamp('2024-06-01T12:00:00+02:00'));
  });
});

describe('normalizeMessageStatus', () => {
  it.each([
    ['queued', 'queued'],
    ['SENT', 'sent'],
    ['Delivered', 'delivered'],
    ['read', 'read'],
    ['failed', 'failed'],
    ['sending', 'sent'],
    ['undelivered', 'failed'],
    ['UNDELIVERED', 'failed'],
  ])('should map %s to %s', (raw, expected) => {
    expect(normalizeMessageStatus(raw)).toBe(expected);
  });

  it.each(['seen', 'deleted', 'delivered!'])('should not know %s', (raw) => {
    expect(normalizeMessageStatus(raw)).toBeNull();
  });
});

describe('message-events cleaner', () => {
  const clean = createMessageEventsCleaner(ctx);
  // message_id, status, timestamp, channel, recipient_id, template_id, campaign_id, conversation_id, error_code, retry_count, delivery_latency_ms
  const BASE = ['wamid.1', 'delivered', '2025-06-01T10:00:05Z', 'WhatsApp', '15550001', 'tpl_welcome', 'cmp_1', 'conv_1', '', '1', '5000'];
  const COL = { id: 0, status: 1, ts: 2, channel: 3, recipient: 4, template: 5, campaign: 6, conversation: 7, error: 8, retries: 9, latency: 10 };
  const { cleaned, rejectReason } = rowOverrides(clean, BASE, COL);

  it('should clean a full row into the COPY order', () => {
    expect(cleaned({})).toEqual(['wamid.1', 'delivered', '2025-06-01 10:00:05+00:00', 'whatsapp', '15550001', 'tpl_welcome', 'cmp_1', 'conv_1', null, '1', '5000']);
  });

  it('should default the channel, the retries and leave the optional ids empty', () => {
    expect(cleaned({ channel: '', recipient: '', template: ' ', campaign: '', conversation: '', retries: '', latency: '' })).toEqual([
      'wamid.1',
      'delivered',
      '2025-06-01 10:00:05+00:00',
      'whatsapp',
      null,
      null,
      null,
      null,
      null,
      '0',
      null,
    ]);
  });

  it('should keep a failure code as written', () => {
    expect(cleaned({ status: 'undelivered', error: '131026' })[1]).toBe('failed');
    expect(cleaned({ status: 'undelivered', error: '131026' })[8]).toBe('131026');
  });

  it.each([
    ['MISSING_MESSAGE_ID', { id: ' ' }],
    ['MISSING_STATUS', { status: '' }],
    ['INVALID_STATUS', { status: 'seen' }],
    ['MISSING_TIMESTAMP', { ts: '' }],
    ['INVALID_TIMESTAMP', { ts: '01/06/2025 10:00' }],
    ['INVALID_RETRY_COUNT', { retries: '-1' }],
    ['INVALID_RETRY_COUNT', { retries: 'two' }],
    ['INVALID_DELIVERY_LATENCY', { latency: '1.5' }],
    ['INVALID_DELIVERY_LATENCY', { latency: '-20' }],
  ] as const)('should reject %s', (reason, overrides) => {
    expect(rejectReason(overrides)).toBe(reason);
    expect(MESSAGE_EVENT_REJECT_CODES).toContain(reason);
  });
});

describe('engagement-events cleaner', () => {
  const clean = createEngagementEventsCleaner(ctx);

  it('should clean a row, with or without a duration', () => {
    expect(clean(['u1', 'Login', '2025-06-01T10:00:00Z', '1200'])).toEqual(['u1', 'login', '2025-06-01 10:00:00+00:00', '1200']);
    expect(clean(['u1', 'report_view', '1717236000', ''])).toEqual(['u1', 'report_view', '2024-06-01 10:00:00+00:00', null]);
  });

  it.each([
    ['MISSING_USER_ID', ['', 'login', '2025-06-01T10:00:00Z', '']],
    ['MISSING_ACTION_TYPE', ['u1', '', '2025-06-01T10:00:00Z', '']],
    ['INVALID_ACTION_TYPE', ['u1', 'dance', '2025-06-01T10:00:00Z', '']],
    ['MISSING_TIMESTAMP', ['u1', 'login', '', '']],
    ['INVALID_TIMESTAMP', ['u1', 'login', 'soon', '']],
    ['INVALID_DURATION', ['u1', 'login', '2025-06-01T10:00:00Z', '-3']],
  ])('should reject %s', (reason, row) => {
    const out = clean(row);
    expect(out).toBeInstanceOf(Reject);
    expect((out as Reject).reason).toBe(reason);
  });
});

describe('system-metrics cleaner', () => {
  const clean = createSystemMetricsCleaner(ctx);

  it('should clean a row, keeping the value as written', () => {
    expect(clean(['API_Gateway', 'response_time', '1.250', '2025-06-01T10:00:00Z'])).toEqual(['api_gateway', 'response_time', '1.250', '2025-06-01 10:00:00+00:00']);
    expect(clean(['message_service', 'cpu_usage', '+75', '2025-06-01T10:00:00Z'])).toEqual(['message_service', 'cpu_usage', '75', '2025-06-01 10:00:00+00:00']);
    expect(clean(['message_service', 'cpu_usage', '-0.0', '2025-06-01T10:00:00Z'])).toEqual(['message_service', 'cpu_usage', '0', '2025-06-01 10:00:00+00:00']);
  });

  it.each([
    ['MISSING_SERVICE_NAME', ['', 'cpu_usage', '1', '2025-06-01T10:00:00Z']],
    ['INVALID_SERVICE_NAME', ['billing', 'cpu_usage', '1', '2025-06-01T10:00:00Z']],
    ['MISSING_METRIC_NAME', ['api_gateway', ' ', '1', '2025-06-01T10:00:00Z']],
    ['MISSING_METRIC_VALUE', ['api_gateway', 'cpu_usage', '', '2025-06-01T10:00:00Z']],
    ['NEGATIVE_METRIC_VALUE', ['api_gateway', 'cpu_usage', '-2.5', '2025-06-01T10:00:00Z']],
    ['INVALID_METRIC_VALUE', ['api_gateway', 'cpu_usage', '1.2.3', '2025-06-01T10:00:00Z']],
    ['INVALID_METRIC_VALUE', ['api_gateway', 'cpu_usage', 'high', '2025-06-01T10:00:00Z']],
    ['MISSING_TIMESTAMP', ['api_gateway', 'cpu_usage', '1', '']],
    ['INVALID_TIMESTAMP', ['api_gateway', 'cpu_usage', '1', 'noon']],
  ])('should reject %s', (reason, row) => {
    const out = clean(row);
    expect(out).toBeInstanceOf(Reject);
    expect((out as Reject).reason).toBe(reason);
  });
});
