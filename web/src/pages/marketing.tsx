import { useState } from 'preact/hooks';
import { DataTable, fmt, LineChart } from '../charts';
import type { MetricFigures } from '../../../libs/stats/marketing-metrics';
import { useApi } from '../hooks';
import { ErrorBox, Field, Loading, Panel } from '../ui';

/** Marketing days are inclusive at both ends (start_date, end_date). */
interface MarketingFilter {
  start: string;
  end: string;
  currency: string;
}

interface BreakdownRow extends MetricFigures {
  key: string;
  name?: string;
  previous?: MetricFigures;
  change?: Partial<Record<keyof MetricFigures, number | null>>;
}
interface Insight {
  type: string;
  title: string;
  description: string;
  severity: string;
  entity_id: string | null;
}
interface Anomaly {
  date: string;
  value: number;
  expected_value: number;
  z_score: number;
  severity: string;
  entity_id: string;
}

const SORTS = ['roi', 'roas', 'cpa', 'cost', 'revenue', 'conversions', 'clicks', 'impressions', 'ctr'] as const;
const METRICS = ['cost', 'revenue', 'clicks', 'impressions', 'conversions', 'ctr', 'roi'] as const;

function change(v: number | null | undefined): string {
  return v === null || v === undefined ? '–' : `${v > 0 ? '+' : ''}${fmt.number(v, 1)} %`;
}

export function MarketingPage() {
  const [f, setF] = useState<MarketingFilter>({ start: '', end: '', currency: '' });
  const [sort, setSort] = useState<(typeof SORTS)[number]>('roi');
  const [metric, setMetric] = useState<(typeof METRICS)[number]>('cost');
  const dates = { start_date: f.start, end_date: f.end, currency: f.currency };
  const hasPeriod = f.start !== '' && f.end !== '';
  const breakdown = useApi<{ data: BreakdownRow[]; currency: string }>('/marketing/breakdown', {
    ...dates,
    dimension: 'campaign',
    sort,
    order: sort === 'cpa' ? 'asc' : 'desc',
    limit: 50,
    compare: hasPeriod ? 'previous_period' : undefined,
  });
  const trends = useApi<{ data: Array<MetricFigures & { period: string }>; start_date: string; end_date: string }>('/marketing/trends', {
    ...dates,
    granularity: 'day',
    days: hasPeriod ? undefined : 90,
  });
  const anomalies = useApi<{ data: Anomaly[] }>('/marketing/anomalies', { metric_type: metric, entity_type: 'platform', limit: 200 });
  const insights = useApi<{ data: Insight[] }>('/marketing/insights', { ...dates, limit: 5 });
  const t = trends.data?.data ?? [];
  const flagged = new Map<string, Anomaly>();
  for (const a of anomalies.data?.data ?? []) {
    flagged.set(a.date, a);
  }
  return (
    <>
      <form class="filters sticky" aria-label="Days and currency" onSubmit={(e) => e.preventDefault()}>
        <Field label="First day">
          <input type="date" value={f.start} onChange={(e) => setF({ ...f, start: e.currentTarget.value })} />
        </Field>
        <Field label="Last day (inclusive)">
          <input type="date" value={f.end} onChange={(e) => setF({ ...f, end: e.currentTarget.value })} />
        </Field>
        <Field label="Currency" hint="Needed when the data holds several.">
          <input value={f.currency} maxLength={3} placeholder="any" onInput={(e) => setF({ ...f, currency: e.currentTarget.value.toUpperCase() })} />
        </Field>
        <button type="button" onClick={() => setF({ start: '', end: '', currency: '' })}>
          All days
        </button>
      </form>
      <div class="grid">
        <Panel
          title="Campaigns"
          wide
          actions={
            <Field label="Sort by">
              <select value={sort} onChange={(e) => setSort(e.currentTarget.value as (typeof SORTS)[number])}>
                {SORTS.map((s) => (
                  <option value={s}>{s.toUpperCase()}</option>
                ))}
              </select>
            </Field>
          }
        >
          {!hasPeriod && <p class="hint">Pick a first and a last day to compare each campaign with the period before.</p>}
          <ErrorBox error={breakdown.error} what="Campaigns" />
          {breakdown.data ? (
            <DataTable
              empty="No campaign in these days: import a marketing file on the Imports page."
              columns={[
                { label: 'Campaign', value: (r: BreakdownRow) => r.name ?? r.key },
                { label: 'Cost', value: (r) => fmt.money(r.cost), numeric: true },
                { label: 'Revenue', value: (r) => fmt.money(r.revenue), numeric: true },
                { label: 'ROI', value: (r) => fmt.percent(r.roi), numeric: true },
                { label: 'ROAS', value: (r) => fmt.number(r.roas, 2), numeric: true },
                { label: 'CPA', value: (r) => fmt.money(r.cpa), numeric: true },
                { label: 'CTR', value: (r) => fmt.percent(r.ctr, 2), numeric: true },
                ...(hasPeriod
                  ? [
                      { label: 'Revenue vs before', value: (r: BreakdownRow) => change(r.change?.revenue), numeric: true },
                      { label: 'ROI vs before', value: (r: BreakdownRow) => change(r.change?.roi), numeric: true },
                    ]
                  : []),
              ]}
              rows={breakdown.data.data}
            />
          ) : (
            <Loading what="campaigns" />
          )}
        </Panel>
        <Panel
          title="Trends"
          wide
          actions={
            <Field label="Metric">
              <select value={metric} onChange={(e) => setMetric(e.currentTarget.value as (typeof METRICS)[number])}>
                {METRICS.map((m) => (
                  <option value={m}>{m}</option>
                ))}
              </select>
            </Field>
          }
        >
          <ErrorBox error={trends.error ?? anomalies.error} what="Trends" />
          {trends.data ? (
            <LineChart
              title={`${metric} by day, anomalies circled (${trends.data.start_date} to ${trends.data.end_date})`}
              x={t.map((d) => d.period)}
              series={[{ name: metric, values: t.map((d) => d[metric]) }]}
              marks={t.flatMap((d, i) => {
                const a = flagged.get(d.period);
                return a
                  ? [{ index: i, label: `${a.severity}: ${fmt.number(a.value, 2)} against ${fmt.number(a.expected_value, 2)} expected (z ${fmt.number(a.z_score, 1)})` }]
                  : [];
              })}
            />
          ) : (
            <Loading what="trends" />
          )}
        </Panel>
        <Panel title="Insights" wide>
          <ErrorBox error={insights.error} what="Insights" />
          {insights.data ? (
            insights.data.data.length === 0 ? (
              <p class="empty">No insight for these days.</p>
            ) : (
              <ul class="cards">
                {insights.data.data.map((i) => (
                  <li class={`card ${i.severity}`}>
                    <h3>{i.title}</h3>
                    <p>{i.description}</p>
                    <p class="hint">
                      {i.type.replace(/_/g, ' ')} · {i.severity}
                    </p>
                  </li>
                ))}
              </ul>
            )
          ) : (
            <Loading what="insights" />
          )}
        </Panel>
      </div>
    </>
  );
}
