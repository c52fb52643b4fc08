import { createEngagementEventsCleaner, createMessageEventsCleaner, createSystemMetricsCleaner, ENGAGEMENT_ACTIONS, SYSTEM_SERVICES } from '@libs/cleaners';
import type { DatasetKind } from '@libs/ingest';
import { hideMessageEvents, publishMessageEvents } from './messaging.publish';

const TIMESTAMP = 'ISO 8601 (no offset is UTC; `2025-06-01T10:00:05Z`, `2025-06-01 12:00:05+02:00`) or epoch seconds (`1748772005`, up to 6 decimals)';

/**
 * Message status events (WhatsApp, SMS…): one row per event. Webhook providers deliver at least
 * once, so the same (message_id, status, timestamp) again, in the file or already loaded, is a
 * DUPLICATE_EVENT that does not count towards the reject threshold.
 */
export const messageEventsKind: DatasetKind = {
  name: 'message-events',
  description:
    'Message status events: one row per event (queued, sent, delivered, read, failed), in any order and across files; ' +
    'the same (message_id, status, timestamp) again is DUPLICATE_EVENT, expected and not counted towards the reject threshold',
  columns: [
    { name: 'message_id', required: true, description: 'The message (a WhatsApp wamid, a Twilio SID…); empty → MISSING_MESSAGE_ID' },
    {
      name: 'status',
      required: true,
      description: 'queued, sent, delivered, read or failed, any case; Twilio\'s "sending" is sent and "undelivered" failed; else INVALID_STATUS (MISSING_STATUS when empty)',
    },
    { name: 'timestamp', required: true, description: `When the status happened: ${TIMESTAMP}; else INVALID_TIMESTAMP (MISSING_TIMESTAMP when empty)` },
    { name: 'channel', required: false, description: 'Lower-cased; empty is whatsapp' },
    { name: 'recipient_id', required: false, description: 'The recipient, kept as given' },
    { name: 'template_id', required: false, description: 'The message template' },
    { name: 'campaign_id', required: false, description: 'The campaign the message belongs to' },
    { name: 'conversation_id', required: false, description: 'The conversation' },
    { name: 'error_code', required: false, description: "The provider's failure code (WhatsApp 131026, 131047, 131051…), kept as given" },
    { name: 'retry_count', required: false, description: 'Whole number ≥ 0, empty is 0; else INVALID_RETRY_COUNT' },
    {
      name: 'delivery_latency_ms',
      required: false,
      description: 'Whole milliseconds ≥ 0 from sent to delivered, as the provider measured it (used when the sent event is missing); else INVALID_DELIVERY_LATENCY',
    },
  ],
  table: 'message_events',
  windowColumn: 'ts',
  copyColumns: ['message_id', 'status', 'ts', 'channel', 'recipient_id', 'template_id', 'campaign_id', 'conversation_id', 'error_code', 'retry_count', 'delivery_latency_ms'],
  copyTypes: ['text', 'text', 'timestamptz', 'text', 'text', 'text', 'text', 'text', 'text', 'int8', 'int8'],
  uniqueKey: ['message_id', 'status', 'ts'],
  duplicateReason: 'DUPLICATE_EVENT',
  isRepeatExpected: true,
  indexes: [
    { suffix: 'ts', columns: '(ts)' },
    { suffix: 'message', columns: '(message_id, ts)' },
  ],
  createCleaner: createMessageEventsCleaner,
  // Each message's outcome, from its events in every live import (message_outcomes).
  publish: publishMessageEvents,
  onHide: hideMessageEvents,
};

export const engagementEventsKind: DatasetKind = {
  name: 'engagement-events',
  description: "What the messaging platform's users did (logins, sends, reads, template and contact work, report views), one row per action",
  columns: [
    { name: 'user_id', required: true, description: 'The user; empty → MISSING_USER_ID' },
    { name: 'action_type', required: true, description: `One of ${ENGAGEMENT_ACTIONS.join(', ')} (any case); else INVALID_ACTION_TYPE (MISSING_ACTION_TYPE when empty)` },
    { name: 'timestamp', required: true, description: `When: ${TIMESTAMP}; else INVALID_TIMESTAMP` },
    { name: 'duration_ms', required: false, description: 'Whole milliseconds ≥ 0 the action took; else INVALID_DURATION' },
  ],
  table: 'engagement_events',
  windowColumn: 'ts',
  copyColumns: ['user_id', 'action_type', 'ts', 'duration_ms'],
  copyTypes: ['text', 'text', 'timestamptz', 'int8'],
  indexes: [{ suffix: 'ts', columns: '(ts)' }],
  createCleaner: createEngagementEventsCleaner,
};

export const systemMetricsKind: DatasetKind = {
  name: 'system-metrics',
  description: "The messaging services' own metrics (response times in seconds, cpu and memory in %), one row per sample",
  columns: [
    { name: 'service_name', required: true, description: `One of ${SYSTEM_SERVICES.join(', ')} (any case); else INVALID_SERVICE_NAME (MISSING_SERVICE_NAME when empty)` },
    { name: 'metric_name', required: true, description: 'Lower-cased (response_time, cpu_usage, memory_usage…); empty → MISSING_METRIC_NAME' },
    { name: 'metric_value', required: true, description: 'Decimal ≥ 0 as written; negative → NEGATIVE_METRIC_VALUE, else INVALID_METRIC_VALUE' },
    { name: 'timestamp', required: true, description: `When sampled: ${TIMESTAMP}; else INVALID_TIMESTAMP` },
  ],
  table: 'system_metrics',
  windowColumn: 'ts',
  copyColumns: ['service_name', 'metric_name', 'metric_value', 'ts'],
  copyTypes: ['text', 'text', 'numeric', 'timestamptz'],
  indexes: [{ suffix: 'ts', columns: '(ts)' }],
  createCleaner: createSystemMetricsCleaner,
};
