import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@config/app-config';
import { AppError } from '@common/errors';
import { effectiveLimit, RATE_CLASSES, RateLimits, rateLimitsProblem } from '@common/rate-limit/rate-limits';
import { randomBytes } from 'crypto';
import { AuditService } from '@modules/audit/audit.service';
import { looksLikeJwt } from './access-tokens';
import { AuthContext } from './auth.context';
import { AuthErrors } from './auth.errors';
import { AuthRepository } from './auth.repository';
import { ApiKeyDto, CreatedApiKeyDto, CreatedOrganizationDto, OrganizationDto } from './dto/api-key.dto';
import { ApiKeyEntity, Role } from './entities/api-key.entity';
import { SessionsService } from './sessions.service';
import { SseStreams } from './sse-streams';
import { AuthCache } from './auth-cache';
import { DataVersions } from '@common/cache/data-versions';
import { hashSecret } from './secret-hash';

const DEFAULT_ORG_NAME = 'default';

export const hashApiKey = hashSecret;

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);
  /** When this process last recorded each key's use: last_used_at is kept to the minute. */
  private readonly touchedAt = new Map<string, number>();

  constructor(
    private readonly repo: AuthRepository,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly streams: SseStreams,
    private readonly cache: AuthCache,
    private readonly dataVersions: DataVersions,
  ) {
    streams.validateWith((auth) => (auth.actorType === 'api-key' ? this.repo.isKeyActive(auth.actorId) : this.sessions.isActive(auth)));
  }

  /**
   * The caller behind a request's credentials: `X-API-Key`, or `Authorization: Bearer` carrying a
   * login's access token (a JWT) or an API key.
   */
  authenticateRequest(apiKey: string | undefined, authorization: string | undefined): Promise<AuthContext> {
    if (apiKey) {
      return this.authenticate(apiKey);
    }
    if (!authorization) {
      throw AuthErrors.missingKey();
    }
    const bearer = /^Bearer +(\S+)\s*$/i.exec(authorization);
    if (!bearer) {
      throw AuthErrors.badScheme();
    }
    return looksLikeJwt(bearer[1]) ? this.sessions.authenticateAccessToken(bearer[1]) : this.authenticate(bearer[1]);
  }

  async authenticate(key: string | undefined): Promise<AuthContext> {
    if (!key) {
      throw AuthErrors.missingKey();
    }
    const hash = hashApiKey(key);
    const ctx = await this.cache.key(hash, async () => {
      const found = await this.repo.findActiveKeyByHash(hash);
      if (!found) return null;
      void this.dataVersions.seed(found.orgId, found.dataVersion);
      return {
        orgId: found.orgId,
        actorType: 'api-key',
        actorId: found.id,
        role: found.role,
        platform: found.platform,
        dataVersion: found.dataVersion,
        rateLimits: found.rateLimits,
      };
    });
    if (!ctx) {
      throw AuthErrors.invalidKey();
    }
    this.touch(ctx.actorId);
    return ctx;
  }

  /** Records a key's use at most once a minute per process: hot read paths make no write. */
  private touch(keyId: string): void {
    const now = Date.now();
    if (now - (this.touchedAt.get(keyId) ?? 0) < 60_000) {
      return;
    }
    if (this.touchedAt.size > 10_000) {
      this.touchedAt.clear();
    }
    this.touchedAt.set(keyId, now);
    this.repo.touchKey(keyId).catch((err: unknown) => this.logger.warn({ err }, 'last_used_at update failed'));
  }

  async createOrganization(auth: AuthContext, name: string): Promise<CreatedOrganizationDto> {
    const org = await this.repo.createOrganization(name);
    const adminKey = await this.insertKey(org.id, 'initial-admin', 'admin', `ak_${randomBytes(24).toString('base64url')}`);
    const stored = await this.repo.findOrganization(org.id);
    await this.audit.record(auth, { action: 'organization.create', target: { type: 'organization', id: org.id }, details: { name } });
    await this.audit.record(
      { orgId: org.id, actorType: auth.actorType, actorId: auth.actorId },
      { action: 'api-key.create', target: { type: 'api-key', id: adminKey.id }, details: { name: adminKey.name, role: 'admin' } },
    );
    return { id: org.id, name: org.name, slug: stored!.slug, createdAt: org.createdAt.toISOString(), adminKey };
  }

  async organization(orgId: string): Promise<OrganizationDto> {
    const org = await this.repo.findOrganization(orgId);
    if (!org) {
      throw AuthErrors.invalidKey();
    }
    const own = await this.repo.rateLimitsOf(orgId);
    const rateLimits = Object.fromEntries(RATE_CLASSES.map((c) => [c, effectiveLimit(c, this.config.rateLimits, own)]));
    const q = await this.repo.quotasAndUsage(orgId);
    return {
      id: org.id,
      name: org.name,
      slug: org.slug,
      dataVersion: String(org.dataVersion),
      createdAt: org.createdAt.toISOString(),
      rateLimits,
      quotas: {
        maxStoredBytes: q.quotas?.maxStoredBytes ?? this.config.ORG_MAX_STORED_BYTES,
        maxActiveImports: q.quotas?.maxActiveImports ?? this.config.ORG_MAX_ACTIVE_IMPORTS,
      },
      usage: { storedBytes: q.storedBytes, activeImports: q.activeImports },
    };
  }

  /** Sets (or with null, clears) an organization's own quotas; they apply from its next upload. */
  async setQuotas(auth: AuthContext, orgId: string, quotas: { maxStoredBytes?: number; maxActiveImports?: number } | null): Promise<OrganizationDto> {
    if (quotas !== null) {
      const bad =
        typeof quotas !== 'object' || Array.isArray(quotas)
          ? 'quotas must be an object or null'
          : Object.entries(quotas)
              .map(([k, v]) =>
                !['maxStoredBytes', 'maxActiveImports'].includes(k)
                  ? `unknown quota ${k} (quotas: maxStoredBytes, maxActiveImports)`
                  : !Number.isSafeInteger(v) || v < 1
                    ? `${k} must be a positive integer`
                    : null,
              )
              .find((p) => p !== null);
      if (bad) throw new AppError('VALIDATION_FAILED', HttpStatus.BAD_REQUEST, bad);
    }
    if (!(await this.repo.setQuotas(orgId, quotas))) {
      throw new AppError('ORGANIZATION_NOT_FOUND', HttpStatus.NOT_FOUND, `Organization ${orgId} not found`);
    }
    await this.audit.record(
      { orgId, actorType: auth.actorType, actorId: auth.actorId },
      { action: 'organization.quotas', target: { type: 'organization', id: orgId }, details: { quotas } },
    );
    return this.organization(orgId);
  }

  /** Sets (or with null, clears) an organization's own rate limits; they apply from its next request. */
  async setRateLimits(auth: AuthContext, orgId: string, limits: RateLimits | null): Promise<OrganizationDto> {
    const problem = limits === null ? null : rateLimitsProblem(limits);
    if (problem) {
      throw new AppError('VALIDATION_FAILED', HttpStatus.BAD_REQUEST, `limits ${problem}`);
    }
    if (!(await this.repo.setRateLimits(orgId, limits))) {
      throw new AppError('ORGANIZATION_NOT_FOUND', HttpStatus.NOT_FOUND, `Organization ${orgId} not found`);
    }
    await this.cache.changed({ type: 'org-updated', id: orgId });
    await this.audit.record(
      { orgId, actorType: auth.actorType, actorId: auth.actorId },
      { action: 'organization.rate-limits', target: { type: 'organization', id: orgId }, details: { limits } },
    );
    return this.organization(orgId);
  }

  async issueKey(auth: AuthContext, name: string, role: Role): Promise<CreatedApiKeyDto> {
    const created = await this.insertKey(auth.orgId, name, role, `ak_${randomBytes(24).toString('base64url')}`);
    await this.audit.record(auth, { action: 'api-key.create', target: { type: 'api-key', id: created.id }, details: { name, role } });
    return created;
  }

  async listKeys(orgId: string): Promise<ApiKeyDto[]> {
    return (await this.repo.listKeys(orgId)).map((k) => this.toResponse(k));
  }

  async revokeKey(auth: AuthContext, id: string): Promise<ApiKeyDto> {
    if (id === auth.actorId) {
      throw AuthErrors.cannotRevokeSelf(id);
    }
    const key = await this.repo.findKey(auth.orgId, id);
    if (!key) {
      throw AuthErrors.keyNotFound(id);
    }
    await this.repo.revokeKey(auth.orgId, id);
    if (!key.revokedAt) {
      await this.streams.publishRevocation({ type: 'api-key', id });
      await this.audit.record(auth, { action: 'api-key.revoke', target: { type: 'api-key', id }, details: { name: key.name } });
    }
    return this.toResponse((await this.repo.findKey(auth.orgId, id)) ?? key);
  }

  /**
   * Creates an admin key with exactly this value (in the default organization) unless one with this
   * value exists, revoked or not. The key holds the platform role (given here at every boot; a
   * key's name confers nothing, and the API cannot give it).
   */
  async ensureBootstrapKey(key: string): Promise<void> {
    const hash = hashApiKey(key);
    await this.repo.givePlatformRole(hash);
    const existing = await this.repo.findKeyByHash(hash);
    if (existing) {
      // Created only when absent: a key revoked through the API stays revoked across restarts
      // (restoring it made revocation of a leaked bootstrap key last until the next boot).
      if (existing.revokedAt) {
        this.logger.warn('BOOTSTRAP_ADMIN_API_KEY names a revoked key: it stays revoked; set a new value to get a working bootstrap key');
      }
      return;
    }
    const org = (await this.repo.findOrganizationByName(DEFAULT_ORG_NAME)) ?? (await this.repo.createOrganization(DEFAULT_ORG_NAME));
    try {
      await this.insertKey(org.id, 'bootstrap-admin', 'admin', key, true);
      this.logger.log(`Bootstrap admin key ensured in organization ${org.id}`);
    } catch (err) {
      // Another process booting at the same time inserted it first (unique key_hash).
      if ((err as { code?: string }).code !== '23505') {
        throw err;
      }
    }
  }

  private async insertKey(orgId: string, name: string, role: Role, key: string, platformAdmin = false): Promise<CreatedApiKeyDto> {
    const saved = await this.repo.insertKey(orgId, name, role, hashApiKey(key), key.slice(0, 7), platformAdmin);
    return { ...this.toResponse(saved), key };
  }

  private toResponse(k: ApiKeyEntity): ApiKeyDto {
    return {
      id: k.id,
      name: k.name,
      role: k.role,
      keyPrefix: k.keyPrefix,
      platform: k.platformAdmin,
      createdAt: k.createdAt.toISOString(),
      lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
      revokedAt: k.revokedAt?.toISOString() ?? null,
    };
  }
}
