import { useState } from 'preact/hooks';
import { BarChart, fmt, LineChart, Stat } from '../charts';
import { useApi } from '../hooks';
import { Badge, ErrorBox, Field, Loading, Panel } from '../ui';

interface Latency {
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
}
interface Bucket {
  start: string;
  messages: number;
  delivery_rate: number | null;
  latency_ms: Latency;
}
interface Period {
  messages: number;
  delivered: number;
  failed: number;
  delivery_rate: number | null;
  read_rate: number | null;
  latency_ms: Latency;
}

const PERIODS = ['hour', 'day', 'week', 'month'] as const;
const GRANULARITIES = ['hourly', 'daily', 'weekly'] as const;

/** A window in the API's terms: from/to are local times in tz (to exclusive); empty = the last 7 days. */
export function MessagingPage() {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [tz, setTz] = useState('UTC');
  const [granularity, setGranularity] = useState<(typeof GRANULARITIES)[number]>('daily');
  const [period, setPeriod] = useState<(typeof PERIODS)[number]>('day');
  const q = { from, to, tz };
  const delivery = useApi<{ buckets: Bucket[]; summary: { sla_target: number; sla_compliance: number | null; overall_delivery_rate: number | null } }>('/messaging/delivery', {
    ...q,
    granularity,
  });
  const failures = useApi<{ failed: number; data: Array<{ error_code: string; messages: number; share: number }> }>('/messaging/failures', q);
  const dash = useApi<{ sla_status: string; sla_target: number; current: Period; previous: Period; trend: { direction: string } }>('/messaging/dashboard', { time_period: period });
  const b = delivery.data?.buckets ?? [];
  // Rates and the SLA target are percentages (99.12, 99).
  const sla = delivery.data?.summary.sla_target ?? 99;
  const rates = b.flatMap((r) => (r.messages > 0 && r.delivery_rate !== null ? [r.delivery_rate] : []));
  const label = (iso: string) => (granularity === 'hourly' ? iso.slice(5, 16).replace('T', ' ') : iso.slice(0, 10));
  return (
    <>
      <form class="filters sticky" aria-label="Window" onSubmit={(e) => e.preventDefault()}>
        <Field label="From (inclusive)">
          <input type="datetime-local" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        </Field>
        <Field label="To (exclusive)">
          <input type="datetime-local" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        </Field>
        <Field label="Time zone">
          <input value={tz} onChange={(e) => setTz(e.currentTarget.value)} />
        </Field>
        <Field label="Buckets">
          <select value={granularity} onChange={(e) => setGranularity(e.currentTarget.value as (typeof GRANULARITIES)[number])}>
            {GRANULARITIES.map((g) => (
              <option value={g}>{g}</option>
            ))}
          </select>
        </Field>
        <p class="hint">Empty dates: the last 7 days.</p>
      </form>
      <div class="grid">
        <Panel title="Delivery rate" wide>
          <ErrorBox error={delivery.error} what="Delivery" />
          {delivery.data ? (
            <LineChart
              title={`Delivery rate (%) against the ${fmt.number(sla, 0)} % SLA`}
              x={b.map((r) => label(r.start))}
              series={[{ name: 'Delivery rate', values: b.map((r) => (r.messages === 0 ? null : r.delivery_rate)) }]}
              reference={{ value: sla, label: `SLA ${fmt.number(sla, 0)} %` }}
              yMin={Math.max(0, Math.floor(Math.min(sla, ...rates)) - 1)}
              format={(n) => fmt.percent(n, 2)}
              empty={b.every((r) => r.messages === 0) ? 'No message in this window: import message events on the Imports page.' : undefined}
            />
          ) : (
            <Loading what="delivery" />
          )}
        </Panel>
        <Panel title="Latency percentiles" wide>
          {delivery.data && (
            <LineChart
              title="Delivery latency (ms): p50, p90, p95, p99"
              x={b.map((r) => label(r.start))}
              series={(['p50', 'p90', 'p95', 'p99'] as const).map((p) => ({ name: p, values: b.map((r) => r.latency_ms[p]) }))}
              empty={b.every((r) => r.latency_ms.p50 === null) ? 'No delivered message in this window.' : undefined}
            />
          )}
        </Panel>
        <Panel title="Failures by error code">
          <ErrorBox error={failures.error} what="Failures" />
          {failures.data ? (
            <BarChart
              title={`Failed messages by provider error code (${fmt.number(failures.data.failed)} in all)`}
              data={failures.data.data.map((r) => ({ label: r.error_code, value: r.messages }))}
              empty="No failed message in this window."
            />
          ) : (
            <Loading what="failures" />
          )}
        </Panel>
        <Panel
          title="This period against the one before"
          actions={
            <Field label="Period">
              <select value={period} onChange={(e) => setPeriod(e.currentTarget.value as (typeof PERIODS)[number])}>
                {PERIODS.map((p) => (
                  <option value={p}>{p}</option>
                ))}
              </select>
            </Field>
          }
        >
          <ErrorBox error={dash.error} what="Dashboard periods" />
          {dash.data ? (
            <>
              <p>
                SLA <Badge status={dash.data.sla_status} /> · trend {dash.data.trend.direction}
              </p>
              <dl class="stats">
                <Stat label="Messages" value={fmt.number(dash.data.current.messages)} hint={`before: ${fmt.number(dash.data.previous.messages)}`} />
                <Stat label="Delivery rate" value={fmt.percent(dash.data.current.delivery_rate, 2)} hint={`before: ${fmt.percent(dash.data.previous.delivery_rate, 2)}`} />
                <Stat label="Latency p50 (ms)" value={fmt.number(dash.data.current.latency_ms.p50)} hint={`before: ${fmt.number(dash.data.previous.latency_ms.p50)}`} />
                <Stat label="Failed" value={fmt.number(dash.data.current.failed)} hint={`before: ${fmt.number(dash.data.previous.failed)}`} />
              </dl>
            </>
          ) : (
            <Loading what="periods" />
          )}
        </Panel>
      </div>
    </>
  );
}
