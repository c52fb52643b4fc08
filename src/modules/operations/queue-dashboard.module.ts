import { BullAdapter } from '@bull-board/api/bullAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardInstance, BullBoardModule, BullBoardModuleOptions, InjectBullBoard } from '@bull-board/nestjs';
import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { Metrics } from '@common/metrics/metrics.service';
import { RegisteredQueues } from '@common/metrics/registered-queues';
import { OperationsAccessModule } from './operations-access';
import { QUEUE_DASHBOARD_ROUTE, QueueDashboardGate } from './queue-dashboard.gate';

/** Completed jobs get no retry button: their work is done (a retried one would find nothing to do). */
const ADAPTER_OPTIONS = { allowRetries: true, allowCompletedRetries: false };

/** Puts every queue the app registers on the board. */
@Injectable()
class DashboardQueues implements OnModuleInit {
  constructor(
    @InjectBullBoard() private readonly board: BullBoardInstance,
    private readonly queues: RegisteredQueues,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    for (const queue of this.queues.list()) {
      this.board.addQueue(new BullAdapter(queue, ADAPTER_OPTIONS));
    }
    this.metrics.http.labelMount(QUEUE_DASHBOARD_ROUTE);
  }
}

/**
 * The queue dashboard at /admin/queues (@bull-board, Express adapter): every queue, failed jobs
 * with their errors, retry. Only processes that serve HTTP import it.
 */
@Module({
  imports: [
    // The gate is built in bull-board's module: OperationsAccessModule gives it its access check.
    BullBoardModule.forRootAsync({
      imports: [OperationsAccessModule],
      useFactory: () => ({
        route: QUEUE_DASHBOARD_ROUTE,
        // @bull-board/express 9.10.1 declares its types against its own copy of @bull-board/api
        // (9.10.1, beside the app's 9.10.2): the same classes at run time, distinct to TypeScript.
        adapter: ExpressAdapter as unknown as BullBoardModuleOptions['adapter'],
        middleware: QueueDashboardGate,
        boardOptions: { uiConfig: { boardTitle: 'Analytics queues' } },
      }),
    }),
  ],
  providers: [DashboardQueues],
})
export class QueueDashboardModule {}
