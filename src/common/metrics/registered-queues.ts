import { getQueueToken } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Queue } from 'bull';

/** Tokens under which @nestjs/bull provides queues (`BullQueue_<name>`). */
const QUEUE_TOKEN_PREFIX = getQueueToken('queue').slice(0, -'queue'.length);

/**
 * Every Bull queue the app registers (BullModule.registerQueue in any module), found in the
 * container rather than listed by hand: a queue added later is measured and shown on the
 * dashboard without a change here.
 */
@Injectable()
export class RegisteredQueues {
  private queues?: Queue[];

  constructor(private readonly discovery: DiscoveryService) {}

  /** The queues, by name; call it once the app's providers exist (from onModuleInit on). */
  list(): Queue[] {
    this.queues ??= [
      ...new Map(
        this.discovery
          .getProviders()
          .filter((w) => typeof w.token === 'string' && w.token.startsWith(QUEUE_TOKEN_PREFIX) && isQueue(w.instance))
          .map((w) => [(w.instance as Queue).name, w.instance as Queue]),
      ).values(),
    ].sort((a, b) => a.name.localeCompare(b.name));
    return this.queues;
  }
}

function isQueue(value: unknown): value is Queue {
  return typeof (value as Queue | null)?.getJobCounts === 'function' && typeof (value as Queue).name === 'string';
}
