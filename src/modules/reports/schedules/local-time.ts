const formats = new Map<string, Intl.DateTimeFormat>();

/** An instant as ISO 8601 local time in `tz` with its offset, e.g. 2027-03-29T09:00:00+01:00 (seconds offsets rounded to the minute are not: ±hh:mm:ss). */
export function localIso(at: Date, tz: string): string {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value])) as Record<string, string>;
  const wallMs = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  const offsetS = Math.round((wallMs - Math.floor(at.getTime() / 1000) * 1000) / 1000);
  const sign = offsetS < 0 ? '-' : '+';
  const a = Math.abs(offsetS);
  const hh = String(Math.floor(a / 3600)).padStart(2, '0');
  const mm = String(Math.floor((a % 3600) / 60)).padStart(2, '0');
  const ss = a % 60;
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${sign}${hh}:${mm}${ss ? `:${String(ss).padStart(2, '0')}` : ''}`;
}
