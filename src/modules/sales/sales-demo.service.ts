import { Injectable } from '@nestjs/common';
import { Readable } from 'stream';
import { DEFAULT_SALES_ERROR_RATE, DEFAULT_SALES_SEED, salesCsvChunks } from '@libs/datagen';
import type { ImportResponseDto } from '@modules/ingestion/dto/import-response.dto';
import { IngestionService } from '@modules/ingestion/ingestion.service';
import { CreateDemoRunDto } from './dto/demo-run.dto';

/**
 * The sales pipeline's demo (run-pipeline / large-scale-test): a messy file from the same
 * generator as `npm run generate -- --kind sales`, streamed to disk through the upload path
 * (size cap, sha256, header check) and imported like any upload.
 */
@Injectable()
export class SalesDemoService {
  constructor(private readonly ingestion: IngestionService) {}

  async create(orgId: string, dto: CreateDemoRunDto): Promise<ImportResponseDto> {
    const seed = dto.seed ?? DEFAULT_SALES_SEED;
    const errorRate = dto.errorRate ?? DEFAULT_SALES_ERROR_RATE;
    const chunks = salesCsvChunks({ rows: dto.numRows, seed, errorRate });
    const body = Readable.from(
      (function* () {
        for (let chunk = chunks.next(); chunk !== null; chunk = chunks.next()) {
          yield chunk;
        }
      })(),
    );
    const fileName = `sales-demo-${dto.numRows}-seed${seed}-err${errorRate}.csv`;
    // Every faulty row may be dropped on purpose: the demo must not fail on its own faults.
    const created = await this.ingestion.createFromRawBody(orgId, 'sales', body, fileName, { rejectThreshold: '1' });
    return created.body;
  }
}
