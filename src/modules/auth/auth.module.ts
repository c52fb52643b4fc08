import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessTokens } from './access-tokens';
import { AuthCache } from './auth-cache';
import { BasicCredentials } from './basic-credentials';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthRepository } from './auth.repository';
import { AuthService } from './auth.service';
import { ApiKeyEntity } from './entities/api-key.entity';
import { OrganizationEntity } from './entities/organization.entity';
import { LoginLimiter } from './login-limiter';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';
import { SseSlotGuard, SseStreams } from './sse-streams';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

/** Global: the auth context, stream slots and revocation notices are used by every module. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([OrganizationEntity, ApiKeyEntity])],
  controllers: [AuthController, SessionsController, UsersController],
  providers: [
    AuthRepository,
    AuthService,
    AccessTokens,
    LoginLimiter,
    SessionsService,
    UsersRepository,
    UsersService,
    AuthCache,
    SseStreams,
    SseSlotGuard,
    BasicCredentials,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AuthService, SseStreams, SseSlotGuard, BasicCredentials],
})
export class AuthModule {}
