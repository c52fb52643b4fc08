import type { ImportResponseDto } from '@modules/ingestion/dto/import-response.dto';
import { formatBytes, formatCount, formatDuration, formatFields, formatPercent } from '../format';

/**
 * What a person wants after an import: its outcome, rows loaded and rejected, how long it took,
 * why rows were rejected (largest count first) and, when it failed, the reason in the API's words.
 */
export function formatImportSummary(imp: ImportResponseDto): string {
  const p = imp.progress;
  const fields: Array<[string, string]> = [
    ['file', `${imp.fileName} (${imp.kind}, ${imp.format}, ${formatBytes(imp.sizeBytes)})`],
    ['rows loaded', formatCount(imp.metrics?.rowsLoaded ?? p.rowsLoaded)],
    [
      'rows rejected',
      `${formatCount(imp.metrics?.rowsRejected ?? p.rowsRejected)} of ${formatCount(imp.metrics?.rowsProcessed ?? p.rowsRead)} read (threshold ${formatPercent(imp.rejectThreshold)})`,
    ],
  ];
  if (imp.rowsReplaced > 0) {
    fields.push(['rows replaced', `${formatCount(imp.rowsReplaced)} of earlier imports`]);
  }
  fields.push(['duration', durationOf(imp)]);
  if (imp.status !== 'COMPLETED' && imp.error) {
    fields.push(['error', `${imp.errorCode ? `${imp.errorCode}: ` : ''}${imp.error}`]);
  }
  const lines = [`import ${imp.importId} ${imp.status}`, formatFields(fields)];
  lines.push(...byReason('rejected rows by reason', imp.rejectsByReason));
  lines.push(...byReason('rows kept with a substituted value, by reason', imp.warningsByReason));
  return lines.join('\n');
}

function durationOf(imp: ImportResponseDto): string {
  const runMs = imp.metrics?.executionTimeMs ?? imp.progress.elapsedMs;
  const rate = imp.metrics?.processingRateRowsPerSec ?? imp.progress.rowsPerSec;
  const parts = [`${formatDuration(runMs)} processing (${formatCount(rate)} rows/s)`];
  if (imp.finishedAt) {
    parts.push(`${formatDuration(Date.parse(imp.finishedAt) - Date.parse(imp.createdAt))} from upload to end`);
  }
  return parts.join(', ');
}

function byReason(title: string, counts: Record<string, number> | undefined): string[] {
  const entries = Object.entries(counts ?? {}).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  if (entries.length === 0) {
    return [];
  }
  const width = Math.max(...entries.map(([, n]) => formatCount(n).length));
  return [`${title}:`, formatFields(entries.map(([reason, n]) => [reason, formatCount(n).padStart(width)]))];
}
