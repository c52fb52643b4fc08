import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { API, ApiError, download, errorOf, request, uploadHeaders, url } from '../api';
import { DataTable, fmt } from '../charts';
import { asApiError, DataVersion, useApi } from '../hooks';
import { follow } from '../sse';
import { Badge, ErrorBox, Field, Loading, Panel, when } from '../ui';

interface Kind {
  name: string;
  description: string;
  exampleHeader: string;
}

export interface ImportStatus {
  importId: string;
  kind: string;
  status: 'QUEUED' | 'PROCESSING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
  fileName: string | null;
  sizeBytes: number;
  progress: { percent: number; rowsRead: number; rowsLoaded: number; rowsRejected: number; rowsPerSec: number; etaMs: number | null };
  rejectsByReason: Record<string, number>;
  error: string | null;
  errorCode: string | null;
  createdAt: string;
  finishedAt: string | null;
}

interface ImportPage {
  data: ImportStatus[];
  page: number;
  totalPages: number;
  total: number;
}

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
const MEDIA: Array<[RegExp, string]> = [
  [/\.json$/i, 'application/json'],
  [/\.(ndjson|jsonl)$/i, 'application/x-ndjson'],
];

/** Uploads the file as the raw body of POST /imports/:kind (XMLHttpRequest: fetch reports no upload progress). */
async function upload(file: File, kind: string, rejectThreshold: string, onProgress: (pct: number) => void): Promise<ImportStatus> {
  const headers = await uploadHeaders();
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url(`/imports/${encodeURIComponent(kind)}`, { fileName: file.name, rejectThreshold }));
    for (const [k, v] of Object.entries(headers)) {
      xhr.setRequestHeader(k, v);
    }
    xhr.setRequestHeader('Content-Type', MEDIA.find(([re]) => re.test(file.name))?.[1] ?? 'text/csv');
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress((e.loaded / e.total) * 100);
    xhr.onload = () => {
      const res = new Response(xhr.responseText, { status: xhr.status, statusText: xhr.statusText });
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(JSON.parse(xhr.responseText) as ImportStatus);
      } else {
        void errorOf(res).then(reject);
      }
    };
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'The upload was interrupted.'));
    xhr.send(file);
  });
}

/** One import's live progress (its server-sent events) until it ends, then its outcome and rejects. */
function ImportProgress({ initial, onEnded }: { initial: ImportStatus; onEnded: () => void }) {
  const [imp, setImp] = useState(initial);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    setImp(initial);
    if (TERMINAL.has(initial.status)) {
      return;
    }
    const abort = new AbortController();
    // A stream ends when the import does, or when the access token it was opened with expires:
    // then it is opened again with the refreshed one.
    const run = async () => {
      let ended = false;
      while (!ended && !abort.signal.aborted) {
        await follow(
          `/imports/${initial.importId}/events`,
          (event, data) => {
            if (event === 'progress' || TERMINAL.has(event.toUpperCase())) {
              setImp(data as ImportStatus);
            }
            if (event === 'completed' || event === 'failed' || event === 'cancelled' || event === 'removed') {
              ended = true;
            }
          },
          abort.signal,
        );
      }
      if (ended) {
        onEnded();
      }
    };
    run().catch((err: unknown) => !abort.signal.aborted && setError(asApiError(err)));
    return () => abort.abort();
  }, [initial.importId]);
  const p = imp.progress;
  const rejects = Object.entries(imp.rejectsByReason ?? {}).sort((a, b) => b[1] - a[1]);
  return (
    <div class="progress-card" data-import={imp.importId}>
      <p>
        <strong>{imp.fileName ?? imp.importId}</strong> ({imp.kind}, {fmt.compact(imp.sizeBytes)}B) <Badge status={imp.status} />
      </p>
      <progress max={100} value={p.percent} aria-label={`Import progress of ${imp.fileName ?? imp.importId}`}>
        {p.percent} %
      </progress>
      <p class="figures" aria-live="polite">
        <span data-figure="percent">{fmt.number(p.percent, 1)} %</span> · <span data-figure="rows">{fmt.number(p.rowsLoaded)} rows loaded</span> · {fmt.number(p.rowsRejected)}{' '}
        rejected · {fmt.number(p.rowsPerSec)} rows/s
        {imp.status === 'PROCESSING' && p.etaMs !== null ? ` · about ${Math.ceil(p.etaMs / 1000)} s left` : ''}
      </p>
      {imp.error && (
        <p class="error" role="alert">
          {imp.error} {imp.errorCode && <code>{imp.errorCode}</code>}
        </p>
      )}
      <ErrorBox error={error} what="Following the import" />
      {rejects.length > 0 && (
        <>
          <DataTable
            caption="Rejected rows by reason"
            columns={[
              { label: 'Reason', value: (r: [string, number]) => <code>{r[0]}</code> },
              { label: 'Rows', value: (r: [string, number]) => fmt.number(r[1]), numeric: true },
            ]}
            rows={rejects}
          />
          {TERMINAL.has(imp.status) && <DownloadButton path={`/imports/${imp.importId}/rejects`} name={`rejects-${imp.importId}.csv`} label="Download rejected rows (CSV)" />}
        </>
      )}
    </div>
  );
}

/** The organization's completed imports of a kind, as a filter ('' = all of them). */
export function ImportSelect({ kind, value, onChange }: { kind: string; value: string; onChange: (importId: string) => void }) {
  const imports = useApi<{ data: ImportStatus[] }>('/imports', { kind, status: 'COMPLETED', pageSize: 200 });
  return (
    <Field label="Import">
      <select value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">All imports</option>
        {(imports.data?.data ?? []).map((i) => (
          <option value={i.importId}>
            {i.fileName ?? i.importId} ({when(i.createdAt)})
          </option>
        ))}
      </select>
    </Field>
  );
}

export function DownloadButton({ path, name, label, query }: { path: string; name: string; label: string; query?: Record<string, string> }) {
  const [error, setError] = useState<ApiError | null>(null);
  return (
    <>
      <button
        type="button"
        onClick={() =>
          void download(path, name, query).then(
            () => setError(null),
            (err: unknown) => setError(asApiError(err)),
          )
        }
      >
        {label}
      </button>
      <ErrorBox error={error} what="The download" />
    </>
  );
}

function UploadPanel({ onStarted }: { onStarted: (imp: ImportStatus) => void }) {
  const kinds = useApi<Kind[]>('/kinds');
  const [kind, setKind] = useState('transactions');
  const [threshold, setThreshold] = useState('0.5');
  const [file, setFile] = useState<File | null>(null);
  const [sent, setSent] = useState<number | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [isOver, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const chosen = kinds.data?.find((k) => k.name === kind);
  const start = async (e: Event) => {
    e.preventDefault();
    if (!file) {
      setError(new ApiError(0, 'FILE_REQUIRED', 'Choose or drop a file first.'));
      return;
    }
    setError(null);
    setSent(0);
    try {
      const imp = await upload(file, kind, threshold, setSent);
      onStarted(imp);
      setFile(null);
      if (input.current) {
        input.current.value = '';
      }
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setSent(null);
    }
  };
  return (
    <Panel title="Upload a file">
      <form class="upload" onSubmit={(e) => void start(e)}>
        <Field label="Kind of data">
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
            {(kinds.data ?? [{ name: 'transactions' } as Kind]).map((k) => (
              <option value={k.name}>{k.name}</option>
            ))}
          </select>
        </Field>
        <Field label="Reject threshold" hint="The share of rejected rows (0–1) above which the import fails and nothing is stored.">
          <input type="number" min={0} max={1} step={0.01} value={threshold} onInput={(e) => setThreshold(e.currentTarget.value)} />
        </Field>
        <div
          class={`drop${isOver ? ' over' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={(e) => {
            e.preventDefault();
            setOver(false);
            setFile(e.dataTransfer?.files[0] ?? null);
          }}
        >
          <label class="field">
            <span>File (CSV, JSON array or NDJSON): drop it here or choose it</span>
            <input ref={input} type="file" name="file" accept=".csv,.json,.ndjson,.jsonl,text/csv,application/json" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
          </label>
          {file && (
            <p>
              Chosen: <strong>{file.name}</strong> ({fmt.compact(file.size)}B)
            </p>
          )}
          {chosen && (
            <p class="hint">
              {chosen.description} Header: <code>{chosen.exampleHeader}</code>
            </p>
          )}
        </div>
        <ErrorBox error={error} what="The upload" />
        <button type="submit" class="primary" disabled={sent !== null}>
          {sent === null ? 'Upload and import' : `Uploading… ${fmt.number(sent, 0)} %`}
        </button>
      </form>
    </Panel>
  );
}

function ImportList({ onShow, refreshKey }: { onShow: (imp: ImportStatus) => void; refreshKey: number }) {
  const { bump } = useContext(DataVersion);
  const [page, setPage] = useState(1);
  const [kind, setKind] = useState('');
  const [status, setStatus] = useState('');
  const [confirming, setConfirming] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const list = useApi<ImportPage>('/imports', { page, pageSize: 20, kind, status });
  useEffect(() => {
    if (refreshKey > 0) {
      list.reload();
    }
  }, [refreshKey]);
  const remove = async (imp: ImportStatus) => {
    setConfirming(null);
    try {
      const r = await request<{ outcome: string; rowsRemoved: number }>(`/imports/${imp.importId}`, { method: 'DELETE' });
      setNotice(`${imp.fileName ?? imp.importId}: ${r.outcome === 'REMOVED' ? `removed with its ${fmt.number(r.rowsRemoved)} rows` : r.outcome.toLowerCase().replace('_', ' ')}.`);
      setError(null);
      list.reload();
      bump();
    } catch (err) {
      setError(asApiError(err));
    }
  };
  return (
    <Panel title="Imports" wide>
      <div class="filters">
        <Field label="Kind">
          <input value={kind} placeholder="any" onInput={(e) => setKind(e.currentTarget.value)} />
        </Field>
        <Field label="Status">
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">any</option>
            {['QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED'].map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </Field>
      </div>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorBox error={error ?? list.error} what="Imports" />
      {list.loading && !list.data ? (
        <Loading what="imports" />
      ) : (
        <DataTable
          empty="No imports yet: upload a file above."
          columns={[
            { label: 'File', value: (i: ImportStatus) => i.fileName ?? '–' },
            { label: 'Kind', value: (i) => i.kind },
            { label: 'Status', value: (i) => <Badge status={i.status} /> },
            { label: 'Rows loaded', value: (i) => fmt.number(i.progress.rowsLoaded), numeric: true },
            { label: 'Rejected', value: (i) => fmt.number(i.progress.rowsRejected), numeric: true },
            { label: 'Created', value: (i) => when(i.createdAt) },
            {
              label: 'Actions',
              value: (i) =>
                confirming === i.importId ? (
                  <span class="confirm" role="group" aria-label={`Confirm deleting ${i.fileName ?? i.importId}`}>
                    Delete it and its rows?{' '}
                    <button type="button" class="danger" onClick={() => void remove(i)}>
                      Yes, delete
                    </button>{' '}
                    <button type="button" onClick={() => setConfirming(null)}>
                      Keep
                    </button>
                  </span>
                ) : (
                  <span class="actions">
                    <button type="button" onClick={() => onShow(i)}>
                      Details
                    </button>{' '}
                    <button type="button" class="danger" aria-label={`Delete ${i.fileName ?? i.importId}`} onClick={() => setConfirming(i.importId)}>
                      Delete
                    </button>
                  </span>
                ),
            },
          ]}
          rows={list.data?.data ?? []}
        />
      )}
      {list.data && list.data.totalPages > 1 && (
        <nav class="pager" aria-label="Import pages">
          <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            Previous
          </button>
          <span>
            Page {page} of {list.data.totalPages}
          </span>
          <button type="button" disabled={page >= list.data.totalPages} onClick={() => setPage(page + 1)}>
            Next
          </button>
        </nav>
      )}
    </Panel>
  );
}

export function ImportsPage() {
  const { bump } = useContext(DataVersion);
  const [shown, setShown] = useState<ImportStatus | null>(null);
  const [refreshKey, setRefreshKey] = useState(0);
  const ended = () => {
    setRefreshKey((k) => k + 1);
    bump();
  };
  return (
    <div class="grid">
      <UploadPanel
        onStarted={(imp) => {
          setShown(imp);
          setRefreshKey((k) => k + 1);
        }}
      />
      <Panel title="Progress">{shown ? <ImportProgress initial={shown} onEnded={ended} /> : <p class="empty">Upload a file, or pick Details on an import below.</p>}</Panel>
      <ImportList onShow={setShown} refreshKey={refreshKey} />
      <p class="hint">
        Every import is also in the API: <code>{API}/imports</code>.
      </p>
    </div>
  );
}
