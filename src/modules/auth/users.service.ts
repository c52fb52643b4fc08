import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@config/app-config';
import { AuditService } from '@modules/audit/audit.service';
import { AuthContext } from './auth.context';
import { AuthErrors } from './auth.errors';
import { CreatedUserDto, PasswordTokenDto, UserDto } from './dto/user.dto';
import { Role } from './entities/api-key.entity';
import { hashToken, newSecret } from './sessions.service';
import { SseStreams } from './sse-streams';
import { AuthCache } from './auth-cache';
import { UserRow, UsersRepository } from './users.repository';

/** Admins manage their organization's users; a new user sets a password with a one-time token. */
@Injectable()
export class UsersService {
  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly users: UsersRepository,
    private readonly audit: AuditService,
    private readonly streams: SseStreams,
    private readonly cache: AuthCache,
  ) {}

  async create(auth: AuthContext, email: string, role: Role): Promise<CreatedUserDto> {
    const token = newSecret('pst');
    const expiresAt = this.tokenExpiry();
    let row: UserRow;
    try {
      row = await this.users.insertUser(auth.orgId, email, role, hashToken(token), expiresAt, auth.actorId);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw AuthErrors.userExists(email);
      throw err;
    }
    await this.audit.record(auth, { action: 'user.create', target: { type: 'user', id: row.id }, details: { email, role } });
    return { ...this.toDto(row), passwordSetToken: token, passwordSetTokenExpiresAt: expiresAt.toISOString() };
  }

  async list(orgId: string): Promise<UserDto[]> {
    return (await this.users.listUsers(orgId)).map((u) => this.toDto(u));
  }

  async get(orgId: string, id: string): Promise<UserDto> {
    const row = await this.users.user(orgId, id);
    if (!row) throw AuthErrors.userNotFound(id);
    return this.toDto(row);
  }

  async setRole(auth: AuthContext, id: string, role: Role): Promise<UserDto> {
    if (auth.actorType === 'user' && auth.actorId === id) throw AuthErrors.cannotRemoveSelf(id);
    const before = await this.users.user(auth.orgId, id);
    const row = before && (await this.users.updateRole(auth.orgId, id, role));
    if (!row) throw AuthErrors.userNotFound(id);
    await this.cache.changed({ type: 'user-updated', id });
    await this.audit.record(auth, { action: 'user.update', target: { type: 'user', id }, details: { role: { from: before.role, to: role } } });
    return this.toDto(row);
  }

  /** Removes the user; their logins end with the row (sessions cascade, so every access token fails its next check). */
  async remove(auth: AuthContext, id: string): Promise<void> {
    if (auth.actorType === 'user' && auth.actorId === id) throw AuthErrors.cannotRemoveSelf(id);
    const row = await this.users.user(auth.orgId, id);
    if (!row || !(await this.users.deleteUser(auth.orgId, id))) throw AuthErrors.userNotFound(id);
    await this.streams.publishRevocation({ type: 'user', id });
    await this.audit.record(auth, { action: 'user.delete', target: { type: 'user', id }, details: { email: row.email } });
  }

  /** A new one-time password-set token (a forgotten password): the old token stops working; the password stays until it is redeemed. */
  async newPasswordToken(auth: AuthContext, id: string): Promise<PasswordTokenDto> {
    const token = newSecret('pst');
    const expiresAt = this.tokenExpiry();
    const row = await this.users.setPasswordToken(auth.orgId, id, hashToken(token), expiresAt);
    if (!row) throw AuthErrors.userNotFound(id);
    await this.audit.record(auth, { action: 'user.password-token', target: { type: 'user', id } });
    return { passwordSetToken: token, passwordSetTokenExpiresAt: expiresAt.toISOString() };
  }

  private tokenExpiry(): Date {
    return new Date(Date.now() + this.config.PASSWORD_TOKEN_TTL_HOURS * 3_600_000);
  }

  private toDto(u: UserRow): UserDto {
    return {
      id: u.id,
      email: u.email,
      role: u.role,
      hasPassword: u.password_hash !== null,
      lastLoginAt: u.last_login_at?.toISOString() ?? null,
      createdAt: u.created_at.toISOString(),
    };
  }
}
