/**
 * Spreadsheet formula neutralisation for every CSV and XLSX the platform writes: a text cell that
 * begins with =, +, -, @, tab or carriage return is read as a formula by Excel, LibreOffice and
 * Google Sheets (CSV injection, OWASP), so it gets a leading apostrophe. Numbers are never text
 * cells here, so negative numbers keep their sign.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** The same rule in SQL, for text columns exported by COPY … TO. */
export function neutralisedSql(column: string): string {
  return `CASE WHEN ${column} ~ '^[-=+@\\t\\r]' THEN '''' || ${column} ELSE ${column} END`;
}
