import { Injectable } from '@nestjs/common';
import { IngestionErrors } from '../ingestion.errors';
import { KINDS } from './index';
import { DatasetKind } from './kind.types';

export interface HeaderMapping {
  /** For each kind column, the index of the file column holding it, or -1 when absent (optional). */
  indexes: number[];
  missing: string[];
  headerWidth: number;
}

@Injectable()
export class KindRegistry {
  private readonly byName = new Map(KINDS.map((k) => [k.name, k]));

  list(): DatasetKind[] {
    return KINDS;
  }

  get(name: string): DatasetKind {
    const kind = this.byName.get(name);
    if (!kind) {
      throw IngestionErrors.unknownKind(name, KINDS.map((k) => k.name));
    }
    return kind;
  }

  /** Matches a file header to the kind's columns, case-insensitively. */
  mapHeader(kind: DatasetKind, header: string[]): HeaderMapping {
    const positions = new Map<string, number>();
    header.forEach((h, i) => {
      const key = h.trim().toUpperCase();
      if (!positions.has(key)) {
        positions.set(key, i);
      }
    });
    const indexes = kind.columns.map((c) => positions.get(c.name.toUpperCase()) ?? -1);
    const missing = kind.columns.filter((c, i) => c.required && indexes[i] < 0).map((c) => c.name);
    return { indexes, missing, headerWidth: header.length };
  }
}
