import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

/**
 * Charts drawn as SVG by hand (bars, lines, a heat-map table): no charting library, so the bundle
 * stays small and every mark is a labelled element. Each chart is a <figure> with a caption and a
 * button that shows the same numbers as a table; a chart's marks carry data-label and data-value,
 * the API's numbers unrounded.
 */

export const fmt = {
  number: (n: number | null | undefined, digits = 0) =>
    n === null || n === undefined || Number.isNaN(n) ? '–' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }),
  money: (n: number | null | undefined) => fmt.number(n, 2),
  percent: (n: number | null | undefined, digits = 1) => (n === null || n === undefined ? '–' : `${fmt.number(n, digits)} %`),
  compact: (n: number) => n.toLocaleString('en-US', { notation: 'compact', maximumFractionDigits: 1 }),
};

export interface Column<T> {
  label: string;
  value: (row: T) => ComponentChildren;
  numeric?: boolean;
}

export function DataTable<T>({ caption, columns, rows, empty = 'No rows.' }: { caption?: string; columns: Column<T>[]; rows: T[]; empty?: string }) {
  if (rows.length === 0) {
    return <p class="empty">{empty}</p>;
  }
  return (
    <div class="table-wrap">
      <table>
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" class={c.numeric ? 'num' : undefined}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              {columns.map((c) => (
                <td class={c.numeric ? 'num' : undefined}>{c.value(r)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A chart with its caption and a chart/table switch. */
export function Figure({ title, chart, table, empty }: { title: string; chart: ComponentChildren; table: ComponentChildren; empty?: string | null }) {
  const [asTable, setAsTable] = useState(false);
  return (
    <figure class="chart" data-chart={title}>
      <figcaption>
        <span>{title}</span>
        {!empty && (
          <button type="button" class="link" aria-pressed={asTable} onClick={() => setAsTable(!asTable)}>
            {asTable ? 'Show chart' : 'Show table'}
          </button>
        )}
      </figcaption>
      {empty ? <p class="empty">{empty}</p> : asTable ? table : chart}
    </figure>
  );
}

export interface Datum {
  label: string;
  value: number;
}

/** Horizontal bars, one per datum, with its value at the end. */
export function BarChart({
  title,
  data,
  format = (n) => fmt.number(n),
  empty = 'Nothing in this window.',
}: {
  title: string;
  data: Datum[];
  format?: (n: number) => string;
  empty?: string;
}) {
  const max = Math.max(0, ...data.map((d) => d.value)) || 1;
  const rowH = 26;
  const labelW = 180;
  const width = 640;
  const barW = width - labelW - 90;
  const chart = (
    <svg class="bars" viewBox={`0 0 ${width} ${data.length * rowH + 4}`} role="img" aria-label={`${title}: bar chart of ${data.length} values`}>
      {data.map((d, i) => (
        <g transform={`translate(0 ${i * rowH + 2})`} data-label={d.label} data-value={d.value}>
          <title>{`${d.label}: ${format(d.value)}`}</title>
          <text x={labelW - 8} y={rowH / 2 + 4} text-anchor="end" class="axis">
            {d.label.length > 24 ? `${d.label.slice(0, 23)}…` : d.label}
          </text>
          <rect x={labelW} y={3} width={Math.max(1, (Math.max(0, d.value) / max) * barW)} height={rowH - 8} rx={2} />
          <text x={labelW + Math.max(1, (Math.max(0, d.value) / max) * barW) + 6} y={rowH / 2 + 4} class="value">
            {format(d.value)}
          </text>
        </g>
      ))}
    </svg>
  );
  const table = (
    <DataTable
      columns={[
        { label: 'Label', value: (d: Datum) => d.label },
        { label: 'Value', value: (d: Datum) => format(d.value), numeric: true },
      ]}
      rows={data}
    />
  );
  return <Figure title={title} chart={chart} table={table} empty={data.length === 0 ? empty : null} />;
}

export interface Series {
  name: string;
  values: Array<number | null>;
}

/**
 * Lines over labelled x positions (periods, hours), several series on one y axis; `marks` circles
 * the points flagged (anomalies), `reference` draws a dashed line (an SLA).
 */
export function LineChart({
  title,
  x,
  series,
  format = (n) => fmt.number(n),
  marks = [],
  reference,
  yMin,
  empty = 'Nothing in this window.',
}: {
  title: string;
  x: string[];
  series: Series[];
  format?: (n: number) => string;
  marks?: Array<{ index: number; label: string }>;
  reference?: { value: number; label: string };
  yMin?: number;
  empty?: string;
}) {
  const width = 640;
  const height = 240;
  const pad = { left: 64, right: 40, top: 12, bottom: 36 };
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  if (reference) {
    all.push(reference.value);
  }
  const lo = yMin ?? Math.min(0, ...all);
  const hi = Math.max(lo + 1e-9, ...all);
  const px = (i: number) => pad.left + (x.length <= 1 ? 0 : (i / (x.length - 1)) * (width - pad.left - pad.right));
  const py = (v: number) => pad.top + (1 - (v - lo) / (hi - lo)) * (height - pad.top - pad.bottom);
  const ticks = [lo, lo + (hi - lo) / 2, hi];
  const every = Math.max(1, Math.ceil(x.length / 8));
  const chart = (
    <svg class="lines" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${title}: line chart of ${series.map((s) => s.name).join(', ')} over ${x.length} points`}>
      {ticks.map((t) => (
        <g>
          <line x1={pad.left} x2={width - pad.right} y1={py(t)} y2={py(t)} class="grid" />
          <text x={pad.left - 6} y={py(t) + 4} text-anchor="end" class="axis">
            {Math.abs(t) >= 10_000 ? fmt.compact(t) : format(t)}
          </text>
        </g>
      ))}
      {x.map((label, i) =>
        i % every === 0 ? (
          <text x={px(i)} y={height - 14} text-anchor="middle" class="axis">
            {label}
          </text>
        ) : null,
      )}
      {reference && (
        <g class="reference">
          <line x1={pad.left} x2={width - pad.right} y1={py(reference.value)} y2={py(reference.value)} />
          <text x={width - pad.right} y={py(reference.value) - 4} text-anchor="end">
            {reference.label}
          </text>
        </g>
      )}
      {series.map((s, si) => (
        <g class={`series s${si}`} data-series={s.name}>
          <path
            d={s.values
              .map((v, i) => (v === null ? null : `${px(i)},${py(v)}`))
              .filter(Boolean)
              .map((p, i) => `${i === 0 ? 'M' : 'L'}${p}`)
              .join(' ')}
          />
          {s.values.map((v, i) =>
            v === null ? null : (
              <circle cx={px(i)} cy={py(v)} r={x.length > 60 ? 1.5 : 3} data-label={x[i]} data-value={v}>
                <title>{`${s.name}, ${x[i]}: ${format(v)}`}</title>
              </circle>
            ),
          )}
        </g>
      ))}
      {marks.map((m) => {
        const v = series[0]?.values[m.index];
        return v === null || v === undefined ? null : (
          <circle class="mark" cx={px(m.index)} cy={py(v)} r={7} data-label={x[m.index]}>
            <title>{m.label}</title>
          </circle>
        );
      })}
    </svg>
  );
  const legend =
    series.length > 1 ? (
      <ul class="legend">
        {series.map((s, si) => (
          <li class={`s${si}`}>{s.name}</li>
        ))}
      </ul>
    ) : null;
  const table = (
    <DataTable
      columns={[
        { label: 'Point', value: (i: number) => x[i] },
        ...series.map((s) => ({ label: s.name, value: (i: number) => (s.values[i] === null ? '–' : format(s.values[i])), numeric: true })),
        ...(marks.length > 0 ? [{ label: 'Flag', value: (i: number) => marks.find((m) => m.index === i)?.label ?? '' }] : []),
      ]}
      rows={x.map((_, i) => i)}
    />
  );
  return (
    <Figure
      title={title}
      chart={
        <>
          {chart}
          {legend}
        </>
      }
      table={table}
      empty={x.length === 0 ? empty : null}
    />
  );
}

/** A table whose cells are shaded by value (0–100): the cohort heat-map. */
export function HeatMap({
  title,
  rows,
  columns,
  cell,
  rowLabel,
}: {
  title: string;
  rows: string[];
  columns: string[];
  cell: (r: number, c: number) => number | null;
  rowLabel: string;
}) {
  return (
    <figure class="chart heat" data-chart={title}>
      <figcaption>
        <span>{title}</span>
      </figcaption>
      {rows.length === 0 ? (
        <p class="empty">No cohorts in this window.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{rowLabel}</th>
                {columns.map((c) => (
                  <th scope="col" class="num">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r, ri) => (
                <tr>
                  <th scope="row">{r}</th>
                  {columns.map((_, ci) => {
                    const v = cell(ri, ci);
                    return v === null ? (
                      <td />
                    ) : (
                      // Light shades only, so the dark text keeps its contrast on every cell.
                      <td class="num" style={{ background: `hsl(210 80% ${96 - Math.min(100, Math.max(0, v)) * 0.36}%)` }} data-value={v}>
                        {fmt.percent(v)}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </figure>
  );
}

/** A headline number. */
export function Stat({ label, value, hint }: { label: string; value: ComponentChildren; hint?: string }) {
  return (
    <div class="stat" data-stat={label}>
      <dt>{label}</dt>
      <dd>{value}</dd>
      {hint && <dd class="hint">{hint}</dd>}
    </div>
  );
}
