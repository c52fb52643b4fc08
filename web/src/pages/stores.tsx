import { useContext, useEffect, useState } from 'preact/hooks';
import { request, type ApiError } from '../api';
import { fmt } from '../charts';
import { asApiError, DataVersion } from '../hooks';
import { Badge, ErrorBox, Field, Panel } from '../ui';
import { DownloadButton } from './imports';

interface StoreReport {
  reportId: string;
  status: 'Running' | 'Complete' | 'Failed';
  progress?: { phase: string; storesDone: number; storesTotal: number; pollsDone: number; pollsTotal: number };
  csv?: string;
  error?: string;
  now?: string;
  metrics?: { elapsedMs: number; stores: number; polls: number };
}

const FEEDS = [
  { part: 'store_status', label: 'Store status polls (store_id, status, timestamp_utc)' },
  { part: 'menu_hours', label: 'Business hours (store_id, dayOfWeek, start_time_local, end_time_local)' },
  { part: 'timezones', label: 'Time zones (store_id, timezone_str)' },
] as const;
const REPORT_POLL_MS = 2000;
const SHOWN_ROWS = 200;

function LoadFeeds() {
  const { bump } = useContext(DataVersion);
  const [files, setFiles] = useState<Record<string, File | null>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = new FormData();
    for (const f of FEEDS) {
      const file = files[f.part];
      if (file) {
        body.append(f.part, file, file.name);
      }
    }
    setBusy(true);
    setError(null);
    try {
      const r = await request<{ files: Array<{ part: string; import: { importId: string; status: string } }> }>('/store-monitoring/data', { method: 'POST', body });
      setNotice(`Queued ${r.files.map((f) => f.part).join(', ')}: follow them on the Imports page.`);
      bump();
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Panel title="Load the three feeds">
      <form class="upload" onSubmit={(e) => void submit(e)}>
        {FEEDS.map((f) => (
          <Field label={f.label}>
            <input type="file" accept=".csv,text/csv" onChange={(e) => setFiles({ ...files, [f.part]: e.currentTarget.files?.[0] ?? null })} />
          </Field>
        ))}
        <ErrorBox error={error} what="Loading the feeds" />
        {notice && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy || !Object.values(files).some(Boolean)}>
          Load
        </button>
      </form>
    </Panel>
  );
}

function parseCsv(text: string): string[][] {
  return text
    .trim()
    .split(/\r?\n/)
    .map((l) => l.split(','));
}

function Result({ report }: { report: StoreReport }) {
  const [sortBy, setSortBy] = useState(0);
  const [desc, setDesc] = useState(false);
  const [header, ...rows] = parseCsv(report.csv ?? '');
  const sorted = [...rows].sort((a, b) => {
    const x = sortBy === 0 ? a[0].localeCompare(b[0]) : Number(a[sortBy]) - Number(b[sortBy]);
    return desc ? -x : x;
  });
  return (
    <>
      <p>
        {fmt.number(rows.length)} stores at {report.now ?? '–'}
        {report.metrics ? `, computed in ${fmt.number(report.metrics.elapsedMs / 1000, 1)} s` : ''}.{' '}
        {rows.length > SHOWN_ROWS ? `The first ${SHOWN_ROWS} in this order are shown; the download has all.` : ''}
      </p>
      <DownloadButton path={`/store-monitoring/reports/${report.reportId}/download`} name={`store-report-${report.reportId}.csv`} label="Download the report (CSV)" />
      <div class="table-wrap">
        <table>
          <caption>Uptime and downtime per store (minutes for the last hour, hours for the day and week)</caption>
          <thead>
            <tr>
              {header.map((h, i) => (
                <th scope="col" class={i > 0 ? 'num' : undefined} aria-sort={sortBy === i ? (desc ? 'descending' : 'ascending') : undefined}>
                  <button
                    type="button"
                    class="link"
                    onClick={() => {
                      setDesc(sortBy === i ? !desc : false);
                      setSortBy(i);
                    }}
                  >
                    {h}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {sorted.slice(0, SHOWN_ROWS).map((r) => (
              <tr>
                {r.map((c, i) => (
                  <td class={i > 0 ? 'num' : undefined}>{c}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function Report() {
  const [report, setReport] = useState<StoreReport | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const trigger = async () => {
    setError(null);
    try {
      const { reportId } = await request<{ reportId: string }>('/store-monitoring/trigger_report', { method: 'POST', json: {} });
      setReport({ reportId, status: 'Running' });
    } catch (err) {
      setError(asApiError(err));
    }
  };
  useEffect(() => {
    if (!report || report.status !== 'Running') {
      return;
    }
    const t = setTimeout(() => {
      request<StoreReport>(`/store-monitoring/get_report/${report.reportId}`).then(setReport, (err: unknown) => setError(asApiError(err)));
    }, REPORT_POLL_MS);
    return () => clearTimeout(t);
  }, [report]);
  const p = report?.progress;
  return (
    <Panel title="Uptime report" wide>
      <button type="button" class="primary" onClick={() => void trigger()} disabled={report?.status === 'Running'}>
        Trigger a report
      </button>
      <ErrorBox error={error} what="The report" />
      {report && (
        <div class="progress-card" aria-live="polite">
          <p>
            Report <code>{report.reportId}</code> <Badge status={report.status} />
          </p>
          {report.status === 'Running' && (
            <>
              <progress max={p?.storesTotal || 1} value={p?.storesDone ?? 0} aria-label="Stores done" />
              <p>
                {p ? `${p.phase}: ${fmt.number(p.storesDone)} of ${fmt.number(p.storesTotal)} stores, ${fmt.number(p.pollsDone)} of ${fmt.number(p.pollsTotal)} polls` : 'queued'}
              </p>
            </>
          )}
          {report.status === 'Failed' && (
            <p class="error" role="alert">
              {report.error}
            </p>
          )}
          {report.status === 'Complete' && <Result report={report} />}
        </div>
      )}
    </Panel>
  );
}

export function StoresPage() {
  return (
    <div class="grid">
      <LoadFeeds />
      <Report />
    </div>
  );
}
