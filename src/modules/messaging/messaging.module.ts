import { Module } from '@nestjs/common';
import { AnalyticsScopeModule } from '@common/analytics-scope/analytics-scope.module';
import { MessagingActivityRepository } from './messaging-activity.repository';
import { MessagingActivityService } from './messaging-activity.service';
import { MessagingController } from './messaging.controller';
import { MessagingLiveLoader } from './messaging-live.loader';
import { MessagingWebhookController } from './messaging-webhook.controller';
import { MessagingWebhookService } from './messaging-webhook.service';
import { MessagingReportsService } from './messaging-reports.service';
import { MessagingRepository } from './messaging.repository';
import { MessagingService } from './messaging.service';
import { MessagingWindows } from './messaging-window';

/** Message delivery against the SLA over the message-events kind (its kinds: messaging.kinds.ts). */
@Module({
  imports: [AnalyticsScopeModule],
  controllers: [MessagingController, MessagingWebhookController],
  providers: [
    MessagingRepository,
    MessagingWindows,
    MessagingService,
    MessagingActivityRepository,
    MessagingActivityService,
    MessagingReportsService,
    MessagingWebhookService,
    MessagingLiveLoader,
  ],
  exports: [MessagingService, MessagingActivityService],
})
export class MessagingModule {}
