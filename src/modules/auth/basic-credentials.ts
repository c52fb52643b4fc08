import { Injectable } from '@nestjs/common';
import { createHmac, randomBytes } from 'crypto';
import { AuditService } from '@modules/audit/audit.service';
import { AuthErrors } from './auth.errors';
import { AuthService } from './auth.service';
import type { Role } from './entities/api-key.entity';
import { LoginLimiter } from './login-limiter';
import { verifyPassword } from './passwords';
import { UsersRepository } from './users.repository';

/** Who sent HTTP Basic credentials. */
export interface BasicCaller {
  orgId: string;
  actorType: 'api-key' | 'user';
  actorId: string;
  role: Role;
  /** The platform role (keys only: the bootstrap key's). */
  platform: boolean;
}

/** Passwords verified lately, kept so a page's every asset does not cost an argon2 verify. */
const MAX_VERIFIED = 1000;

/**
 * HTTP Basic credentials, for pages a browser loads (it cannot send X-API-Key on a page load, but
 * prompts for Basic and sends it with every request of the page): an API key as the password (any
 * user name, or the key as the user name with no password), or a user's e-mail address and password.
 * A password is checked like a login (the failed-login limits, the audit log); once it matched a
 * user's current password hash it is not verified again while that hash stays the same, and the
 * user's role is read at every request, so a role change, a removal or a new password applies at once.
 */
@Injectable()
export class BasicCredentials {
  /** HMAC(e-mail, password) → the password hash it matched. */
  private readonly verified = new Map<string, string>();
  private readonly pepper = randomBytes(32);

  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersRepository,
    private readonly limiter: LoginLimiter,
    private readonly audit: AuditService,
  ) {}

  /** The caller behind `Authorization: Basic …`; throws 401 AppErrors like the other credentials. */
  async authenticate(authorization: string, ip: string | null): Promise<BasicCaller> {
    const match = /^Basic +([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
    const decoded = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      throw AuthErrors.badScheme();
    }
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    if (user.includes('@')) {
      return this.userCaller(user, password, ip);
    }
    const key = await this.auth.authenticate(password || user);
    return { orgId: key.orgId, actorType: 'api-key', actorId: key.actorId, role: key.role, platform: key.platform };
  }

  private async userCaller(email: string, password: string, ip: string | null): Promise<BasicCaller> {
    const proof = createHmac('sha256', this.pepper).update(email.trim().toLowerCase()).update('\0').update(password).digest('base64');
    const known = await this.users.userByEmail(email);
    if (known?.password_hash && this.verified.get(proof) === known.password_hash) {
      return { orgId: known.org_id, actorType: 'user', actorId: known.id, role: known.role, platform: false };
    }
    await this.limiter.reserve(email, ip);
    if (!known || !(await verifyPassword(known.password_hash, password))) {
      await this.audit.record(
        { orgId: known?.org_id ?? null, actorType: 'anonymous', actorId: null },
        { action: 'auth.login-failed', target: { type: 'user', id: known?.id ?? null }, details: { email: email.slice(0, 254), via: 'basic' } },
      );
      throw AuthErrors.loginFailed();
    }
    await this.limiter.succeeded(email, ip);
    if (this.verified.size >= MAX_VERIFIED) {
      this.verified.clear();
    }
    this.verified.set(proof, known.password_hash!);
    return { orgId: known.org_id, actorType: 'user', actorId: known.id, role: known.role, platform: false };
  }
}
