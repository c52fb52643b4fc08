import { ApiProperty } from '@nestjs/swagger';

/** Fields every analytics answer carries. */
export class AnalyticsMetaDto {
  @ApiProperty({ description: 'Time to answer this request on the server, in ms', example: 3.2 }) queryTimeMs: number;
  @ApiProperty({ description: 'Whether the answer came from the cache (keyed by the data version)', example: false }) cached: boolean;
  @ApiProperty({ description: "The organization's data version the answer reflects; every publish or delete bumps it", example: '7' }) dataVersion: string;
}

/** Milliseconds since `startedAt` (a performance.now() reading), 2 dp. */
export function elapsedMs(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 100) / 100;
}
