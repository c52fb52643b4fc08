/** Any character that needs escaping in PostgreSQL COPY TEXT format. */
const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPABLE = /[\\\t\n\r]/g;

function escapeChar(c: string): string {
  switch (c) {
    case '\\':
      return '\\\\';
    case '\t':
      return '\\t';
    case '\n':
      return '\\n';
    default:
      return '\\r';
  }
}

/** Escapes one non-null value for COPY TEXT format (returns it unchanged when nothing needs escaping). */
export function escapeCopyValue(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPABLE, escapeChar) : value;
}

/**
 * Encodes one row for PostgreSQL COPY ... FROM STDIN in TEXT format: values joined by \t, terminated by \n;
 * null -> \N; backslash, tab, newline and carriage return escaped as \\ \t \n \r.
 * An empty string stays empty (it is not NULL).
 */
export function encodeCopyRow(values: ReadonlyArray<string | null>): string {
  const n = values.length;
  let out = '';
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (i > 0) out += '\t';
    if (v == null) out += '\\N'; // undefined (untyped callers) is treated as NULL too
    else out += NEEDS_ESCAPE.test(v) ? v.replace(ESCAPABLE, escapeChar) : v;
  }
  return out + '\n';
}

const ESCAPED = /\\(.)/g;
const UNESCAPE: Record<string, string> = { t: '\t', n: '\n', r: '\r', b: '\b', f: '\f', v: '\v', '\\': '\\' };

/**
 * Decodes one row PostgreSQL wrote with COPY … TO STDOUT in TEXT format (without its line end):
 * fields split at tabs, `\N` → null, backslash escapes undone.
 */
export function decodeCopyRow(line: string): Array<string | null> {
  return line.split('\t').map((field) => {
    if (field === '\\N') {
      return null;
    }
    return field.includes('\\') ? field.replace(ESCAPED, (_m, c: string) => UNESCAPE[c] ?? c) : field;
  });
}
