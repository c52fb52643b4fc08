import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { RateLimits } from '@common/rate-limit/rate-limits';
import type { Role } from './entities/api-key.entity';

/** Who is calling: set by the auth guard, the single source of the caller's organization. */
export interface AuthContext {
  orgId: string;
  /** An API key, or a user who logged in with a password. */
  actorType: 'api-key' | 'user';
  /** The key's id or the user's id: what reports, schedules and audit events name as their author. */
  actorId: string;
  role: Role;
  /** May create organizations (the bootstrap key's platform-level role). */
  platform: boolean;
  /** A user's login (refresh-token family), which every one of its access tokens names. */
  sessionId?: string;
  /** When the credential stops working on its own (an access token's expiry), epoch ms. */
  expiresAt?: number;
  /** The organization's data version when the request was authenticated (read with the key). */
  dataVersion: string;
  /** The organization's own rate limits, read with the key (null: the platform's). */
  rateLimits?: RateLimits | null;
}

export const IS_PUBLIC = 'auth:isPublic';
export const MIN_ROLE = 'auth:minRole';
export const PLATFORM_ONLY = 'auth:platform';

/** Route needs no credentials (health, docs, login). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Lowest role allowed: viewer < analyst < admin. Routes without it accept any valid key. */
export const MinRole = (role: Role) => SetMetadata(MIN_ROLE, role);

/** Route needs the platform-level role (the bootstrap key's), whatever the organization role. */
export const PlatformOnly = () => SetMetadata(PLATFORM_ONLY, true);

/** The caller's auth context (organization, key, role). */
export const Auth = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthContext => {
  return ctx.switchToHttp().getRequest<{ auth: AuthContext }>().auth;
});

/** The caller's organization id: every data query is scoped by this value. */
export const OrgId = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  return ctx.switchToHttp().getRequest<{ auth: AuthContext }>().auth.orgId;
});
