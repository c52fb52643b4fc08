import { Body, Controller, Get, Header, Headers, HttpCode, HttpStatus, Param, Post, Put, Query, Req } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiErrors } from '@common/api-errors.decorator';
import { MinRole, OrgId, Public } from '@modules/auth/auth.context';
import { WebhookReceiptDto, WhatsAppConfigDto, WhatsAppConfigRequest } from './dto/messaging-webhook.dto';
import { MessagingWebhookService } from './messaging-webhook.service';
import { ApiAuth } from '@modules/auth/api-auth.decorator';
import { Audited } from '@modules/audit/audited';
import { RateLimitClass } from '@common/rate-limit/rate-limits';

/** The WhatsApp Cloud API status webhook (signed by Meta, so no API key) and its configuration. */
@ApiTags('Messaging webhooks')
@Controller('messaging/webhooks/whatsapp')
export class MessagingWebhookController {
  constructor(private readonly webhooks: MessagingWebhookService) {}

  @Put('config')
  @Audited('messaging-webhook.configure', 'messaging-webhook')
  @MinRole('admin')
  @ApiAuth()
  @ApiOperation({
    summary: "Set the organization's WhatsApp app secret and verify token (admin)",
    description: 'The webhook URL is /api/v1/messaging/webhooks/whatsapp/{slug}, slug from GET /api/v1/organizations/current.',
  })
  @ApiOkResponse({ type: WhatsAppConfigDto })
  @ApiErrors(400, 401, 403)
  configure(@OrgId() orgId: string, @Body() body: WhatsAppConfigRequest): Promise<WhatsAppConfigDto> {
    return this.webhooks.configure(orgId, body.appSecret, body.verifyToken);
  }

  @Get(':orgSlug')
  @RateLimitClass('webhooks')
  @Public()
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @ApiOperation({ summary: "Meta's subscription handshake: echoes hub.challenge when hub.verify_token is the organization's" })
  @ApiQuery({ name: 'hub.mode', required: true, example: 'subscribe' })
  @ApiQuery({ name: 'hub.verify_token', required: true })
  @ApiQuery({ name: 'hub.challenge', required: true })
  @ApiOkResponse({ description: 'The challenge, as text' })
  @ApiErrors(403, 404)
  handshake(@Param('orgSlug') slug: string, @Query() q: Record<string, string | undefined>): Promise<string> {
    return this.webhooks.handshake(slug, q['hub.mode'], q['hub.verify_token'], q['hub.challenge']);
  }

  @Post(':orgSlug')
  @RateLimitClass('webhooks')
  @Public()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'WhatsApp Cloud API status notifications',
    description:
      'entry[].changes[].value.statuses[] (id, status, timestamp, recipient_id, errors[].code, conversation.id), signed with X-Hub-Signature-256 = sha256=HMAC-SHA256(raw body, app ' +
      "secret); a bad or missing signature → 401 and nothing is stored. The events are committed before the 200 and loaded in micro-batches into the organization's live import " +
      '(whatsapp-webhook): visible to the messaging answers within 2 s; an event received again is a DUPLICATE_EVENT, stored once.',
  })
  @ApiHeader({ name: 'X-Hub-Signature-256', required: true, description: 'sha256=<hex HMAC-SHA256 of the raw body with the app secret>' })
  @ApiBody({
    schema: {
      type: 'object',
      example: {
        object: 'whatsapp_business_account',
        entry: [{ changes: [{ field: 'messages', value: { statuses: [{ id: 'wamid.X', status: 'delivered', timestamp: '1748772005', recipient_id: '15551234567' }] } }] }],
      },
    },
  })
  @ApiOkResponse({ type: WebhookReceiptDto })
  @ApiErrors(400, 401, 404)
  receive(
    @Param('orgSlug') slug: string,
    @Req() req: Request & { rawBody?: Buffer },
    @Headers('x-hub-signature-256') signature: string | undefined,
    @Body() body: unknown,
  ): Promise<WebhookReceiptDto> {
    return this.webhooks.receive(slug, req.rawBody, signature, body);
  }
}
