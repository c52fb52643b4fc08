import { Module } from '@nestjs/common';
import { AnalyticsScopeModule } from '@common/analytics-scope/analytics-scope.module';
import { MessagingController } from './messaging.controller';
import { MessagingRepository } from './messaging.repository';
import { MessagingService } from './messaging.service';

/** Message delivery against the SLA over the message-events kind (its kinds: messaging.kinds.ts). */
@Module({
  imports: [AnalyticsScopeModule],
  controllers: [MessagingController],
  providers: [MessagingRepository, MessagingService],
  exports: [MessagingService],
})
export class MessagingModule {}
