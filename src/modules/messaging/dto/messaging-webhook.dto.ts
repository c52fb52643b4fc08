import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class WhatsAppConfigRequest {
  @ApiProperty({ description: "The Meta app's secret: the webhook's bodies are signed with it (X-Hub-Signature-256)" })
  @IsString({ message: 'appSecret is required' })
  @MinLength(8, { message: 'appSecret must be at least 8 characters' })
  @MaxLength(500)
  appSecret: string;

  @ApiProperty({ description: 'The token Meta sends in the subscription handshake (hub.verify_token)' })
  @IsString({ message: 'verifyToken is required' })
  @MinLength(1)
  @MaxLength(500)
  verifyToken: string;
}

export class WhatsAppConfigDto {
  @ApiProperty() configured: boolean;
  @ApiProperty() updatedAt: string;
}

export class WebhookReceiptDto {
  @ApiProperty({ description: 'Statuses in the payload' }) received: number;
  @ApiProperty({ description: 'Statuses kept (the others had no id, an unknown status or a bad timestamp)' }) accepted: number;
}
