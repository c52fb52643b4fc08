import { Injectable } from '@nestjs/common';
import * as path from 'path';
import { KINDS } from '@app/kinds.registry';
import { DatasetKind } from '@libs/ingest';
import { IngestionErrors } from './ingestion.errors';

/** The importable kinds (each owned by its domain module, listed in src/kinds.registry.ts). */
@Injectable()
export class KindRegistry {
  private readonly byName = new Map(KINDS.map((k) => [k.name, k]));

  list(): DatasetKind[] {
    return KINDS;
  }

  get(name: string): DatasetKind {
    const kind = this.byName.get(name);
    if (!kind) {
      throw IngestionErrors.unknownKind(
        name,
        KINDS.map((k) => k.name),
      );
    }
    return kind;
  }

  /** The compiled registry module, which load threads require to find a kind by name. */
  static compiledModulePath(): string {
    return __filename.endsWith('.ts') ? path.resolve(__dirname, '../../../dist/src/kinds.registry.js') : path.resolve(__dirname, '../../kinds.registry.js');
  }
}
