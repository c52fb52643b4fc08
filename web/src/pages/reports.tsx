import { useEffect, useState } from 'preact/hooks';
import { request, type ApiError } from '../api';
import { DataTable, fmt } from '../charts';
import { asApiError, useApi, useInterval } from '../hooks';
import { Badge, ErrorBox, Field, Loading, Panel, when } from '../ui';
import { DownloadButton } from './imports';

interface Param {
  name: string;
  type: string;
  required: boolean;
  description?: string;
  enum?: string[];
  example?: unknown;
}
interface Source {
  name: string;
  domain: string;
  type: string;
  description: string;
  params: Param[];
}
interface Report {
  id: string;
  name: string | null;
  source: string;
  format: string;
  status: string;
  progress: { percent?: number } | null;
  rows: number | null;
  bytes: number | null;
  error: string | null;
  createdAt: string;
}
interface Template {
  id: string;
  name: string;
  source: string;
  format: string;
}
interface Run {
  id: string;
  scheduledForLocal: string;
  trigger: string;
  state: string;
  reportId: string | null;
  error: string | null;
}
interface Schedule {
  id: string;
  name: string | null;
  templateId: string;
  cron: string;
  timezone: string;
  enabled: boolean;
  nextRunAtLocal: string | null;
  lastRun: Run | null;
}

const FORMATS = ['csv', 'json', 'xlsx'] as const;
const REPORTS_POLL_MS = 3000;

/** A source's parameters as form fields (the values the API's DTO for it validates). */
function ParamFields({ source, values, onChange }: { source: Source | undefined; values: Record<string, string>; onChange: (v: Record<string, string>) => void }) {
  if (!source) {
    return null;
  }
  return (
    <>
      {source.params.map((p) => (
        <Field label={`${p.name}${p.required ? ' (required)' : ''}`} hint={p.description}>
          {p.enum ? (
            <select value={values[p.name] ?? ''} onChange={(e) => onChange({ ...values, [p.name]: e.currentTarget.value })}>
              <option value="">default</option>
              {p.enum.map((v) => (
                <option value={v}>{v}</option>
              ))}
            </select>
          ) : (
            <input
              value={values[p.name] ?? ''}
              placeholder={p.example === undefined ? '' : typeof p.example === 'object' ? JSON.stringify(p.example) : String(p.example as string | number | boolean)}
              required={p.required}
              onInput={(e) => onChange({ ...values, [p.name]: e.currentTarget.value })}
            />
          )}
        </Field>
      ))}
    </>
  );
}

/** The filled-in parameters, numbers as numbers. */
function params(source: Source | undefined, values: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of source?.params ?? []) {
    const v = values[p.name];
    if (v !== undefined && v !== '') {
      out[p.name] = p.type === 'number' || p.type === 'integer' ? Number(v) : p.type === 'boolean' ? v === 'true' : v;
    }
  }
  return out;
}

function SourceForm({
  sources,
  submitLabel,
  onSubmit,
  withName,
}: {
  sources: Source[];
  submitLabel: string;
  withName?: boolean;
  onSubmit: (body: Record<string, unknown>) => Promise<void>;
}) {
  const [source, setSource] = useState(sources[0]?.name ?? '');
  const [format, setFormat] = useState<(typeof FORMATS)[number]>('csv');
  const [name, setName] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const chosen = sources.find((s) => s.name === source);
  return (
    <form
      class="upload"
      onSubmit={(e) => {
        e.preventDefault();
        setError(null);
        onSubmit({ source, format, params: params(chosen, values), ...(name ? { name } : {}) }).catch((err: unknown) => setError(asApiError(err)));
      }}
    >
      {withName !== false && (
        <Field label={withName ? 'Name (required)' : 'Name'}>
          <input value={name} required={withName === true} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
      )}
      <Field label="Source" hint={chosen?.description}>
        <select
          value={source}
          onChange={(e) => {
            setSource(e.currentTarget.value);
            setValues({});
          }}
        >
          {sources.map((s) => (
            <option value={s.name}>{s.name}</option>
          ))}
        </select>
      </Field>
      <ParamFields source={chosen} values={values} onChange={setValues} />
      <Field label="Format">
        <select value={format} onChange={(e) => setFormat(e.currentTarget.value as (typeof FORMATS)[number])}>
          {FORMATS.map((f) => (
            <option value={f}>{f}</option>
          ))}
        </select>
      </Field>
      <ErrorBox error={error} what={submitLabel} />
      <button type="submit" class="primary">
        {submitLabel}
      </button>
    </form>
  );
}

function Reports({ sources }: { sources: Source[] }) {
  const list = useApi<{ data: Report[] }>('/reports', { pageSize: 20 });
  const isRunning = (list.data?.data ?? []).some((r) => r.status === 'QUEUED' || r.status === 'RUNNING');
  useInterval(list.reload, REPORTS_POLL_MS, isRunning);
  return (
    <>
      <Panel title="Create a report">
        <SourceForm
          sources={sources}
          submitLabel="Create the report"
          onSubmit={async (body) => {
            await request('/reports', { method: 'POST', json: body });
            list.reload();
          }}
        />
      </Panel>
      <Panel title="Reports">
        <ErrorBox error={list.error} what="Reports" />
        {list.data ? (
          <DataTable
            empty="No report yet: create one."
            columns={[
              { label: 'Report', value: (r: Report) => r.name ?? r.source },
              { label: 'Format', value: (r) => r.format },
              { label: 'Status', value: (r) => <Badge status={r.status} /> },
              { label: 'Rows', value: (r) => fmt.number(r.rows), numeric: true },
              { label: 'Created', value: (r) => when(r.createdAt) },
              {
                label: 'File',
                value: (r) =>
                  r.status === 'COMPLETED' ? <DownloadButton path={`/reports/${r.id}/download`} name={`report-${r.id}.${r.format}`} label="Download" /> : (r.error ?? ''),
              },
            ]}
            rows={list.data.data}
          />
        ) : (
          <Loading what="reports" />
        )}
      </Panel>
    </>
  );
}

function Runs({ schedule }: { schedule: Schedule }) {
  const runs = useApi<{ data: Run[] }>(`/report-schedules/${schedule.id}/runs`, { pageSize: 20 });
  useInterval(runs.reload, REPORTS_POLL_MS);
  return (
    <DataTable
      caption={`Runs of ${schedule.name ?? schedule.cron}`}
      empty="No run yet: the first comes at the next tick."
      columns={[
        { label: 'Tick (local)', value: (r: Run) => r.scheduledForLocal },
        { label: 'Trigger', value: (r) => r.trigger },
        { label: 'State', value: (r) => <Badge status={r.state} /> },
        { label: 'Report', value: (r) => (r.reportId ? <code>{r.reportId}</code> : (r.error ?? '–')) },
      ]}
      rows={runs.data?.data ?? []}
    />
  );
}

function Schedules({ sources }: { sources: Source[] }) {
  const templates = useApi<{ data: Template[] }>('/report-templates', { pageSize: 100 });
  const schedules = useApi<{ data: Schedule[] }>('/report-schedules', { pageSize: 100 });
  const [templateId, setTemplateId] = useState('');
  const [cron, setCron] = useState('0 9 * * 1');
  const [timezone, setTimezone] = useState(Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  const [shown, setShown] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    if (!templateId && templates.data?.data[0]) {
      setTemplateId(templates.data.data[0].id);
    }
  }, [templates.data]);
  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await request('/report-schedules', { method: 'POST', json: { templateId, cron, timezone } });
      schedules.reload();
    } catch (err) {
      setError(asApiError(err));
    }
  };
  const shownSchedule = schedules.data?.data.find((s) => s.id === shown);
  return (
    <>
      <Panel title="Templates">
        <p class="hint">A template is a named report (source, parameters, format) that schedules run.</p>
        <SourceForm
          sources={sources}
          withName
          submitLabel="Save the template"
          onSubmit={async (body) => {
            await request('/report-templates', { method: 'POST', json: body });
            templates.reload();
          }}
        />
        <ErrorBox error={templates.error} what="Templates" />
        <DataTable
          empty="No template yet."
          columns={[
            { label: 'Template', value: (t: Template) => t.name },
            { label: 'Source', value: (t) => t.source },
            { label: 'Format', value: (t) => t.format },
          ]}
          rows={templates.data?.data ?? []}
        />
      </Panel>
      <Panel title="Schedules">
        <form class="upload" onSubmit={(e) => void create(e)}>
          <Field label="Template">
            <select value={templateId} onChange={(e) => setTemplateId(e.currentTarget.value)} required>
              {(templates.data?.data ?? []).map((t) => (
                <option value={t.id}>{t.name}</option>
              ))}
            </select>
          </Field>
          <Field label="Cron" hint="Five fields (minute hour day month weekday), or six with seconds first.">
            <input value={cron} required onInput={(e) => setCron(e.currentTarget.value)} />
          </Field>
          <Field label="Time zone (IANA)">
            <input value={timezone} required onInput={(e) => setTimezone(e.currentTarget.value)} />
          </Field>
          <ErrorBox error={error} what="Creating the schedule" />
          <button type="submit" class="primary" disabled={!templateId}>
            Create the schedule
          </button>
        </form>
        <ErrorBox error={schedules.error} what="Schedules" />
        <DataTable
          empty="No schedule yet."
          columns={[
            { label: 'Cron', value: (s: Schedule) => <code>{s.cron}</code> },
            { label: 'Zone', value: (s) => s.timezone },
            { label: 'Next run (local)', value: (s) => s.nextRunAtLocal ?? '–' },
            { label: 'Last run', value: (s) => (s.lastRun ? <Badge status={s.lastRun.state} /> : '–') },
            {
              label: 'History',
              value: (s) => (
                <button type="button" aria-pressed={shown === s.id} onClick={() => setShown(shown === s.id ? null : s.id)}>
                  Runs
                </button>
              ),
            },
          ]}
          rows={schedules.data?.data ?? []}
        />
        {shownSchedule && <Runs schedule={shownSchedule} />}
      </Panel>
    </>
  );
}

export function ReportsPage() {
  const sources = useApi<Source[]>('/report-sources');
  if (!sources.data) {
    return sources.error ? <ErrorBox error={sources.error} what="Report sources" /> : <Loading what="report sources" />;
  }
  return (
    <div class="grid">
      <Reports sources={sources.data} />
      <Schedules sources={sources.data} />
    </div>
  );
}
