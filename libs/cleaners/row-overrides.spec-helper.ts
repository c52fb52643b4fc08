import { CleanValues, Reject, RowCleaner } from './cleaner.types';

/**
 * Test helpers for a row cleaner: a valid base row with named fields overridden, its cleaned
 * values (failing on a reject), or its reject reason. Shared by the cleaner specs.
 */
export function rowOverrides<C extends Record<string, number>>(clean: RowCleaner, base: readonly string[], col: C) {
  type Overrides = Partial<Record<keyof C, string>>;
  const row = (overrides: Overrides = {}): string[] => {
    const fields = base.slice();
    for (const [key, value] of Object.entries(overrides)) {
      fields[col[key as keyof C]] = value as string;
    }
    return fields;
  };
  const cleaned = (overrides: Overrides = {}): CleanValues => {
    const result = clean(row(overrides));
    if (result instanceof Reject) throw new Error(`unexpected reject ${result.reason}`);
    return result;
  };
  const rejectReason = (overrides: Overrides): string | undefined => {
    const result = clean(row(overrides));
    return result instanceof Reject ? result.reason : undefined;
  };
  return { row, cleaned, rejectReason };
}
