import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Role } from './entities/api-key.entity';

/** Who is calling: set by the API key guard, the single source of the caller's organization. */
export interface AuthContext {
  orgId: string;
  keyId: string;
  role: Role;
  /** The organization's data version when the request was authenticated (read with the key). */
  dataVersion: string;
}

export const IS_PUBLIC = 'auth:isPublic';
export const MIN_ROLE = 'auth:minRole';

/** Route needs no API key (health, docs). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Lowest role allowed: viewer < analyst < admin. Routes without it accept any valid key. */
export const MinRole = (role: Role) => SetMetadata(MIN_ROLE, role);

/** The caller's auth context (organization, key, role). */
export const Auth = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthContext => {
  return ctx.switchToHttp().getRequest<{ auth: AuthContext }>().auth;
});

/** The caller's organization id: every data query is scoped by this value. */
export const OrgId = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  return ctx.switchToHttp().getRequest<{ auth: AuthContext }>().auth.orgId;
});
