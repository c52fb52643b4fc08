import { Injectable, MessageEvent } from '@nestjs/common';
import { Observable } from 'rxjs';
import { TERMINAL_STATUSES } from './entities/import.entity';
import { IngestionRepository } from './ingestion.repository';
import { IngestionService } from './ingestion.service';

const POLL_MS = 500;

/**
 * Progress as Server-Sent Events. Workers write progress to the import row about once a second;
 * polling that row works the same whether the worker runs in this process or on another machine.
 */
@Injectable()
export class ImportEventsService {
  constructor(
    private readonly ingestion: IngestionService,
    private readonly repo: IngestionRepository,
  ) {}

  async watch(orgId: string, id: string): Promise<Observable<MessageEvent>> {
    await this.ingestion.findOrThrow(orgId, id);
    return new Observable<MessageEvent>((subscriber) => {
      let lastSignature = '';
      let isBusy = false;
      const tick = async (): Promise<void> => {
        const imp = await this.repo.findForOrg(orgId, id);
        if (!imp) {
          subscriber.next({ type: 'removed', data: { importId: id } });
          subscriber.complete();
          return;
        }
        const signature = `${imp.status}:${imp.updatedAt.getTime()}:${imp.rowsRead}`;
        const body = this.ingestion.toResponse(imp);
        if (signature !== lastSignature) {
          lastSignature = signature;
          subscriber.next({ type: 'progress', data: body });
        }
        if (TERMINAL_STATUSES.includes(imp.status)) {
          subscriber.next({ type: imp.status.toLowerCase(), data: body });
          subscriber.complete();
        }
      };
      const run = () => {
        if (isBusy) {
          return;
        }
        isBusy = true;
        tick()
          .catch((err: unknown) => subscriber.error(err))
          .finally(() => {
            isBusy = false;
          });
      };
      run();
      const timer = setInterval(run, POLL_MS);
      return () => clearInterval(timer);
    });
  }
}
