import { useState } from 'preact/hooks';
import { BarChart, DataTable, fmt, HeatMap, LineChart, Stat } from '../charts';
import { useApi } from '../hooks';
import { ErrorBox, Field, Loading, Panel } from '../ui';
import { ImportSelect } from './imports';

/** The window and import every transactions panel answers for (the API's from, to and importId). */
export interface TxFilter {
  from: string;
  to: string;
  importId: string;
}

interface Zone {
  rank: number;
  zone: string;
  totalAmount: number;
  transactionCount: number;
  averageAmount: number;
}
interface Category {
  category: string;
  transactionCount: number;
  percentage: number;
}
interface Hour {
  hour: number;
  transactionCount: number;
  averageAmount: number;
}
interface Anomaly {
  transactionId: string;
  amount: number;
  category: string;
  categoryMean: number;
  categoryStdDev: number;
  stdDevFromMean: number;
  timestamp: string;
}
interface Retention {
  totalUniqueCustomers: number;
  repeatCustomers: number;
  repeatCustomerPercentage: number;
  singleTransactionCustomers: number;
  averageTransactionsPerCustomer: number;
  unidentifiedTransactions: number;
  cohorts?: Array<{ cohort: string; customers: number; months: Array<{ monthsSince: number; customers: number; percentage: number }> }>;
}
interface Paged<T> {
  data: T[];
  pagination: { page: number; pageSize: number; total: number; totalPages: number };
}

const ZONES = ['UTC', 'Europe/London', 'Europe/Berlin', 'America/New_York', 'America/Los_Angeles', 'Asia/Kolkata', 'Asia/Tokyo', 'Australia/Adelaide'];

/** A datetime-local value (read as UTC) as the API's ISO instant; '' stays unset. */
function instant(local: string): string {
  return local ? `${local.length === 16 ? `${local}:00` : local}Z` : '';
}

/** The API's query for a filter. */
export function txQuery(f: TxFilter): Record<string, string> {
  return { from: instant(f.from), to: instant(f.to), importId: f.importId };
}

export function TxFilterBar({ filter, onChange }: { filter: TxFilter; onChange: (f: TxFilter) => void }) {
  return (
    <form class="filters sticky" aria-label="Window and import" onSubmit={(e) => e.preventDefault()}>
      <Field label="From (UTC, inclusive)">
        <input type="datetime-local" step={1} value={filter.from} onChange={(e) => onChange({ ...filter, from: e.currentTarget.value })} />
      </Field>
      <Field label="To (UTC, exclusive)">
        <input type="datetime-local" step={1} value={filter.to} onChange={(e) => onChange({ ...filter, to: e.currentTarget.value })} />
      </Field>
      <ImportSelect kind="transactions" value={filter.importId} onChange={(importId) => onChange({ ...filter, importId })} />
      <button type="button" onClick={() => onChange({ from: '', to: '', importId: '' })}>
        All time, all imports
      </button>
    </form>
  );
}

function Zones({ q }: { q: Record<string, string> }) {
  const r = useApi<{ data: Zone[] }>('/analytics/zone-leaderboard', { ...q, limit: 20 });
  return (
    <Panel title="Zone leaderboard">
      <ErrorBox error={r.error} what="Zone leaderboard" />
      {r.data ? (
        <BarChart title="Total amount by zone (top 20)" data={r.data.data.map((z) => ({ label: z.zone, value: z.totalAmount }))} format={fmt.money} />
      ) : (
        <Loading what="zones" />
      )}
    </Panel>
  );
}

function Categories({ q }: { q: Record<string, string> }) {
  const r = useApi<{ data: Category[]; totalTransactions: number }>('/analytics/category-distribution', q);
  return (
    <Panel title="Category distribution">
      <ErrorBox error={r.error} what="Category distribution" />
      {r.data ? (
        <BarChart
          title={`Transactions by category (${fmt.number(r.data.totalTransactions)} in all)`}
          data={r.data.data.map((c) => ({ label: c.category, value: c.transactionCount }))}
        />
      ) : (
        <Loading what="categories" />
      )}
    </Panel>
  );
}

function Hours({ q }: { q: Record<string, string> }) {
  const [tz, setTz] = useState('UTC');
  const r = useApi<{ data: Hour[] }>('/analytics/hourly-pattern', { ...q, tz });
  return (
    <Panel
      title="Hourly pattern"
      actions={
        <Field label="Time zone">
          <select value={tz} onChange={(e) => setTz(e.currentTarget.value)}>
            {ZONES.map((z) => (
              <option value={z}>{z}</option>
            ))}
          </select>
        </Field>
      }
    >
      <ErrorBox error={r.error} what="Hourly pattern" />
      {r.data ? (
        <LineChart
          title={`Transactions by hour of day (${tz})`}
          x={r.data.data.map((h) => String(h.hour).padStart(2, '0'))}
          series={[{ name: 'Transactions', values: r.data.data.map((h) => h.transactionCount) }]}
          empty={r.data.data.every((h) => h.transactionCount === 0) ? 'No transactions in this window.' : undefined}
        />
      ) : (
        <Loading what="hours" />
      )}
    </Panel>
  );
}

function Anomalies({ q }: { q: Record<string, string> }) {
  const [page, setPage] = useState(1);
  const r = useApi<Paged<Anomaly>>('/analytics/anomalies', { ...q, page, pageSize: 20 });
  const p = r.data?.pagination;
  return (
    <Panel title="Anomalies" wide>
      <p class="hint">Transactions above their category's mean + 3σ over the window, largest first.</p>
      <ErrorBox error={r.error} what="Anomalies" />
      {r.data ? (
        <DataTable
          empty="No transaction above mean + 3σ in this window."
          columns={[
            { label: 'Transaction', value: (a: Anomaly) => <code>{a.transactionId}</code> },
            { label: 'Amount', value: (a) => fmt.money(a.amount), numeric: true },
            { label: 'Category', value: (a) => a.category },
            { label: 'Category mean', value: (a) => fmt.money(a.categoryMean), numeric: true },
            { label: 'σ', value: (a) => fmt.money(a.categoryStdDev), numeric: true },
            { label: 'σ from mean', value: (a) => fmt.number(a.stdDevFromMean, 1), numeric: true },
            { label: 'Time (UTC)', value: (a) => a.timestamp.replace('T', ' ').replace('Z', '') },
          ]}
          rows={r.data.data}
        />
      ) : (
        <Loading what="anomalies" />
      )}
      {p && p.totalPages > 1 && (
        <nav class="pager" aria-label="Anomaly pages">
          <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            Previous
          </button>
          <span>
            Page {page} of {fmt.number(p.totalPages)} ({fmt.number(p.total)} anomalies)
          </span>
          <button type="button" disabled={page >= p.totalPages} onClick={() => setPage(page + 1)}>
            Next
          </button>
        </nav>
      )}
    </Panel>
  );
}

function RetentionPanel({ q }: { q: Record<string, string> }) {
  const r = useApi<Retention>('/analytics/customer-retention', { ...q, cohorts: 'monthly' });
  const d = r.data;
  const cohorts = d?.cohorts ?? [];
  const width = Math.max(0, ...cohorts.map((c) => Math.max(-1, ...c.months.map((m) => m.monthsSince)) + 1));
  return (
    <Panel title="Customer retention" wide>
      <ErrorBox error={r.error} what="Customer retention" />
      {d ? (
        <>
          <dl class="stats">
            <Stat label="Unique customers" value={fmt.number(d.totalUniqueCustomers)} />
            <Stat label="Repeat customers" value={fmt.number(d.repeatCustomers)} hint={fmt.percent(d.repeatCustomerPercentage)} />
            <Stat label="One transaction only" value={fmt.number(d.singleTransactionCustomers)} />
            <Stat label="Transactions per customer" value={fmt.number(d.averageTransactionsPerCustomer, 2)} />
            <Stat label="Without a usable phone" value={fmt.number(d.unidentifiedTransactions)} />
          </dl>
          <HeatMap
            title="Monthly cohorts: share of each first-month cohort active n months later"
            rowLabel="Cohort (customers)"
            rows={cohorts.map((c) => `${c.cohort} (${fmt.number(c.customers)})`)}
            columns={Array.from({ length: width }, (_, i) => `+${i}`)}
            cell={(ri, ci) => cohorts[ri].months.find((m) => m.monthsSince === ci)?.percentage ?? null}
          />
        </>
      ) : (
        <Loading what="retention" />
      )}
    </Panel>
  );
}

export function TransactionsPage() {
  const [filter, setFilter] = useState<TxFilter>({ from: '', to: '', importId: '' });
  const q = txQuery(filter);
  return (
    <>
      <TxFilterBar filter={filter} onChange={setFilter} />
      <div class="grid">
        <Zones q={q} />
        <Categories q={q} />
        <Hours q={q} />
        <RetentionPanel q={q} />
        <Anomalies q={q} />
      </div>
    </>
  );
}
