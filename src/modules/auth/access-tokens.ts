import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'crypto';
import * as jwt from 'jsonwebtoken';
import { DataSource } from 'typeorm';
import { AppConfig } from '@config/app-config';
import { AuthErrors } from './auth.errors';

const ISSUER = 'analytics-platform';
const AUDIENCE = 'analytics-api';

export interface AccessClaims {
  /** The user. */
  sub: string;
  /** The login (session) the token belongs to; revoking it ends the token at once. */
  sid: string;
  org: string;
  exp: number;
}

/** A JWT has three base64url parts; an API key (`ak_…`) never has a dot. */
export const looksLikeJwt = (token: string): boolean => token.split('.').length === 3;

/** Signs and checks login access tokens (HS256 JWTs with a short life). */
@Injectable()
export class AccessTokens implements OnModuleInit {
  private secret!: Buffer;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /** JWT_SECRET, or the platform's own secret made once and kept in the database for every process. */
  async onModuleInit(): Promise<void> {
    if (this.config.JWT_SECRET) {
      this.secret = Buffer.from(this.config.JWT_SECRET);
      return;
    }
    await this.db.query(`INSERT INTO platform_secrets (name, value) VALUES ('access-tokens', $1) ON CONFLICT DO NOTHING`, [randomBytes(32)]);
    const [row] = await this.db.query<Array<{ value: Buffer }>>(`SELECT value FROM platform_secrets WHERE name = 'access-tokens'`);
    this.secret = row.value;
  }

  get ttlSeconds(): number {
    return this.config.ACCESS_TOKEN_TTL_S;
  }

  sign(userId: string, sessionId: string, orgId: string): string {
    return jwt.sign({ sid: sessionId, org: orgId }, this.secret, {
      algorithm: 'HS256',
      expiresIn: this.config.ACCESS_TOKEN_TTL_S,
      subject: userId,
      issuer: ISSUER,
      audience: AUDIENCE,
    });
  }

  verify(token: string): AccessClaims {
    try {
      const claims = jwt.verify(token, this.secret, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE }) as jwt.JwtPayload;
      if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string' || typeof claims.org !== 'string' || typeof claims.exp !== 'number') {
        throw AuthErrors.invalidToken();
      }
      return { sub: claims.sub, sid: claims.sid, org: claims.org, exp: claims.exp };
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw AuthErrors.expiredToken();
      throw AuthErrors.invalidToken();
    }
  }
}
