import { useState } from 'preact/hooks';
import { BarChart, DataTable, fmt, LineChart, Stat } from '../charts';
import { useApi } from '../hooks';
import { ErrorBox, Field, Loading, Panel } from '../ui';
import { DownloadButton, ImportSelect } from './imports';

/** Sales windows are whole days: from inclusive, to exclusive (YYYY-MM-DD). */
interface SalesFilter {
  from: string;
  to: string;
  importId: string;
}

interface Month {
  month: string;
  revenue: number;
  quantity: number;
  avgDiscount: number;
  records: number;
}
interface SaleRecord {
  orderId: string;
  product: string;
  category: string;
  region: string;
  quantity: number;
  unitPrice: number;
  discount: number;
  revenue: number;
  saleDate: string;
}
interface Quality {
  recordsProcessed: number;
  recordsCleaned: number;
  recordsDropped: number;
  successRate: number;
  dropsByReason: Record<string, number>;
  duplicateOrderIds: number;
  duplicateRows: number;
}

function FilterBar({ filter, onChange }: { filter: SalesFilter; onChange: (f: SalesFilter) => void }) {
  return (
    <form class="filters sticky" aria-label="Days and import" onSubmit={(e) => e.preventDefault()}>
      <Field label="From (day, inclusive)">
        <input type="date" value={filter.from} onChange={(e) => onChange({ ...filter, from: e.currentTarget.value })} />
      </Field>
      <Field label="To (day, exclusive)">
        <input type="date" value={filter.to} onChange={(e) => onChange({ ...filter, to: e.currentTarget.value })} />
      </Field>
      <ImportSelect kind="sales" value={filter.importId} onChange={(importId) => onChange({ ...filter, importId })} />
      <button type="button" onClick={() => onChange({ from: '', to: '', importId: '' })}>
        All days, all imports
      </button>
    </form>
  );
}

const recordColumns = [
  { label: 'Order', value: (r: SaleRecord) => <code>{r.orderId}</code> },
  { label: 'Product', value: (r: SaleRecord) => r.product },
  { label: 'Region', value: (r: SaleRecord) => r.region },
  { label: 'Quantity', value: (r: SaleRecord) => fmt.number(r.quantity), numeric: true },
  { label: 'Unit price', value: (r: SaleRecord) => fmt.money(r.unitPrice), numeric: true },
  { label: 'Discount', value: (r: SaleRecord) => fmt.percent(r.discount * 100), numeric: true },
  { label: 'Revenue', value: (r: SaleRecord) => fmt.money(r.revenue), numeric: true },
  { label: 'Day', value: (r: SaleRecord) => r.saleDate },
];

export function SalesPage() {
  const [filter, setFilter] = useState<SalesFilter>({ from: '', to: '', importId: '' });
  const q = { from: filter.from, to: filter.to, importId: filter.importId };
  const months = useApi<{ data: Month[] }>('/sales/monthly-summary', q);
  const products = useApi<{ data: Array<{ product: string; revenue: number }> }>('/sales/top-products', { ...q, limit: 10 });
  const regions = useApi<{ data: Array<{ region: string; revenue: number }> }>('/sales/region-performance', q);
  const discounts = useApi<{ data: Array<{ category: string; weightedAvgDiscount: number }> }>('/sales/category-discounts', q);
  const anomalies = useApi<{ data: Array<SaleRecord & { score: number; reasons: string[] }> }>('/sales/anomalies', { ...q, limit: 10 });
  const quality = useApi<Quality>('/sales/data-quality', { importId: filter.importId });
  const m = months.data?.data ?? [];
  return (
    <>
      <FilterBar filter={filter} onChange={setFilter} />
      <div class="grid">
        <Panel
          title="Monthly revenue and quantity"
          wide
          actions={<DownloadButton path="/sales/monthly-summary" name="monthly-summary.csv" label="Download CSV" query={{ ...q, format: 'csv' }} />}
        >
          <ErrorBox error={months.error} what="Monthly summary" />
          {months.data ? (
            <div class="pair">
              <LineChart title="Revenue by month" x={m.map((r) => r.month)} series={[{ name: 'Revenue', values: m.map((r) => r.revenue) }]} format={fmt.money} />
              <LineChart title="Quantity by month" x={m.map((r) => r.month)} series={[{ name: 'Quantity', values: m.map((r) => r.quantity) }]} />
            </div>
          ) : (
            <Loading what="months" />
          )}
        </Panel>
        <Panel title="Top products">
          <ErrorBox error={products.error} what="Top products" />
          {products.data ? (
            <BarChart title="Revenue of the top 10 products" data={products.data.data.map((p) => ({ label: p.product, value: p.revenue }))} format={fmt.money} />
          ) : (
            <Loading what="products" />
          )}
        </Panel>
        <Panel title="Regions">
          <ErrorBox error={regions.error} what="Regions" />
          {regions.data ? (
            <BarChart title="Revenue by region" data={regions.data.data.map((r) => ({ label: r.region, value: r.revenue }))} format={fmt.money} />
          ) : (
            <Loading what="regions" />
          )}
        </Panel>
        <Panel title="Category discounts">
          <ErrorBox error={discounts.error} what="Category discounts" />
          {discounts.data ? (
            <BarChart
              title="Revenue-weighted average discount by category (%)"
              data={discounts.data.data.map((d) => ({ label: d.category, value: d.weightedAvgDiscount }))}
              format={(n) => fmt.percent(n * 100, 2)}
            />
          ) : (
            <Loading what="discounts" />
          )}
        </Panel>
        <Panel title="Data quality">
          <ErrorBox error={quality.error} what="Data quality" />
          {quality.data ? (
            <>
              <dl class="stats">
                <Stat label="Records processed" value={fmt.number(quality.data.recordsProcessed)} />
                <Stat label="Kept" value={fmt.number(quality.data.recordsCleaned)} hint={fmt.percent(quality.data.successRate)} />
                <Stat label="Dropped" value={fmt.number(quality.data.recordsDropped)} />
                <Stat label="Repeated order ids" value={fmt.number(quality.data.duplicateOrderIds)} />
              </dl>
              <DataTable
                caption="Dropped rows by reason"
                empty="No row was dropped."
                columns={[
                  { label: 'Reason', value: (r: [string, number]) => <code>{r[0]}</code> },
                  { label: 'Rows', value: (r: [string, number]) => fmt.number(r[1]), numeric: true },
                ]}
                rows={Object.entries(quality.data.dropsByReason)}
              />
            </>
          ) : (
            <Loading what="data quality" />
          )}
        </Panel>
        <Panel title="Anomalies" wide>
          <p class="hint">The sales scored most unusual (revenue, quantity or price far from the averages, fixed prices).</p>
          <ErrorBox error={anomalies.error} what="Anomalies" />
          {anomalies.data ? (
            <DataTable
              empty="No anomaly in these days."
              columns={[
                { label: 'Score', value: (r: SaleRecord & { score: number; reasons: string[] }) => fmt.number(r.score, 2), numeric: true },
                ...recordColumns,
                { label: 'Why', value: (r: SaleRecord & { score: number; reasons: string[] }) => r.reasons.join('; ') },
              ]}
              rows={anomalies.data.data}
            />
          ) : (
            <Loading what="anomalies" />
          )}
        </Panel>
      </div>
    </>
  );
}
