import { Body, Controller, Get, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiErrors } from '@common/api-errors.decorator';
import { ApiAuth } from './api-auth.decorator';
import { Auth, AuthContext, Public } from './auth.context';
import { AuthService } from './auth.service';
import { LoginDto, LogoutDto, RefreshDto, SetPasswordDto, TokenPairDto, WhoAmIDto } from './dto/user.dto';
import { SessionsService } from './sessions.service';
import { UsersRepository } from './users.repository';

@ApiTags('Login & users')
@Controller('auth')
export class SessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly auth: AuthService,
    private readonly users: UsersRepository,
  ) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Log in with e-mail and password: an access token (JWT, 15 min) and a refresh token',
    description:
      'Failed logins are limited per account and per client address (LOGIN_MAX_FAILURES_PER_ACCOUNT / _PER_IP within LOGIN_WINDOW_S): past the limit, 429 LOGIN_RATE_LIMITED with Retry-After. Every attempt counts until its password is found right, so simultaneous guesses get no further. While Redis (which keeps the counts) cannot be reached, 503 LOGIN_UNAVAILABLE.',
  })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiErrors(400, 401, 429, 503)
  login(@Body() dto: LoginDto, @Headers('user-agent') userAgent?: string): Promise<TokenPairDto> {
    return this.sessions.login(dto.email, dto.password, userAgent ?? null);
  }

  @Post('refresh')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Trade a refresh token for a new pair; the old refresh token stops working',
    description:
      'A refresh token works once. Presenting one already used (a copy someone kept) revokes the whole login: every access and refresh token of it stops working (401 REFRESH_TOKEN_REUSED).',
  })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiErrors(400, 401)
  refresh(@Body() dto: RefreshDto): Promise<TokenPairDto> {
    return this.sessions.refresh(dto.refreshToken);
  }

  @Post('logout')
  @Public()
  @HttpCode(204)
  @ApiAuth()
  @ApiOperation({ summary: 'End a login: the one of the refresh token sent, else the one of the Bearer access token; its tokens stop working at once' })
  @ApiNoContentResponse()
  @ApiErrors(400, 401)
  async logout(@Req() req: Request, @Body() dto: LogoutDto): Promise<void> {
    const caller = dto.refreshToken ? undefined : await this.auth.authenticateRequest(header(req, 'x-api-key'), header(req, 'authorization'));
    await this.sessions.logout(caller, dto.refreshToken);
  }

  @Post('password')
  @Public()
  @HttpCode(204)
  @ApiOperation({ summary: "Set a user's password with the one-time token an admin received (POST /users or /users/{id}/password-token); ends the user's other logins" })
  @ApiNoContentResponse()
  @ApiErrors(400)
  setPassword(@Body() dto: SetPasswordDto): Promise<void> {
    return this.sessions.setPassword(dto.token, dto.password);
  }

  @Get('me')
  @ApiAuth()
  @ApiOperation({ summary: 'Who the credentials belong to: key or user, organization, role' })
  @ApiOkResponse({ type: WhoAmIDto })
  @ApiErrors(401)
  async me(@Auth() auth: AuthContext): Promise<WhoAmIDto> {
    const me: WhoAmIDto = { actorType: auth.actorType, id: auth.actorId, orgId: auth.orgId, role: auth.role, platform: auth.platform };
    if (auth.actorType === 'user') {
      me.email = (await this.users.user(auth.orgId, auth.actorId))?.email;
      me.expiresAt = new Date(auth.expiresAt!).toISOString();
    }
    return me;
  }
}

const header = (req: Request, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};
