import { Global, Module } from '@nestjs/common';
import { Lifecycle } from './lifecycle';
import { WorkerDrain } from './worker-drain';

/** The process's shutdown state and the worker drain, for every module. */
@Global()
@Module({ providers: [Lifecycle, WorkerDrain], exports: [Lifecycle, WorkerDrain] })
export class LifecycleModule {}
