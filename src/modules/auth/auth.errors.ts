import { HttpStatus } from '@nestjs/common';
import { AppError } from '@common/errors';

export const AuthErrors = {
  missingKey: () =>
    new AppError('API_KEY_MISSING', HttpStatus.UNAUTHORIZED, 'Send an API key in the X-API-Key header, or a login access token (or an API key) as Authorization: Bearer'),
  invalidKey: () => new AppError('API_KEY_INVALID', HttpStatus.UNAUTHORIZED, 'The API key is unknown or revoked'),
  badScheme: () => new AppError('AUTH_SCHEME_UNSUPPORTED', HttpStatus.UNAUTHORIZED, 'The Authorization header must be "Bearer <token>"'),
  invalidToken: () => new AppError('TOKEN_INVALID', HttpStatus.UNAUTHORIZED, 'The access token is malformed or its signature does not match'),
  expiredToken: () => new AppError('TOKEN_EXPIRED', HttpStatus.UNAUTHORIZED, 'The access token has expired; get a new one from POST /api/v1/auth/refresh'),
  sessionEnded: () => new AppError('SESSION_ENDED', HttpStatus.UNAUTHORIZED, 'This login has ended (logged out, revoked, password changed or user removed); log in again'),
  forbidden: (role: string, needed: string) => new AppError('FORBIDDEN', HttpStatus.FORBIDDEN, `Role ${role} may not do this; it needs ${needed} or higher`),
  platformOnly: () => new AppError('PLATFORM_ROLE_REQUIRED', HttpStatus.FORBIDDEN, "Only a platform-level key (the bootstrap key's role) may do this; organization admins may not"),
  keyNotFound: (id: string) => new AppError('API_KEY_NOT_FOUND', HttpStatus.NOT_FOUND, `API key ${id} not found`),
  cannotRevokeSelf: (id: string) => new AppError('API_KEY_IN_USE', HttpStatus.CONFLICT, `API key ${id} is the key making this request; use another admin key to revoke it`),
  loginFailed: () => new AppError('LOGIN_FAILED', HttpStatus.UNAUTHORIZED, 'The e-mail address or the password is wrong'),
  loginRateLimited: (seconds: number) =>
    new AppError('LOGIN_RATE_LIMITED', HttpStatus.TOO_MANY_REQUESTS, `Too many failed logins for this account or from this address; try again in ${seconds} s`, {
      retryAfterSeconds: seconds,
    }),
  loginUnavailable: () =>
    new AppError(
      'LOGIN_UNAVAILABLE',
      HttpStatus.SERVICE_UNAVAILABLE,
      'Logins are unavailable for now: the store that counts failed logins (Redis) cannot be reached; API keys keep working',
    ).withHeaders({ 'Retry-After': '5' }),
  refreshInvalid: () => new AppError('REFRESH_TOKEN_INVALID', HttpStatus.UNAUTHORIZED, 'The refresh token is unknown, or its login has ended; log in again'),
  refreshReused: () =>
    new AppError(
      'REFRESH_TOKEN_REUSED',
      HttpStatus.UNAUTHORIZED,
      'This refresh token was already used: the login it belongs to is revoked, every token of it stops working; log in again',
    ),
  passwordTokenInvalid: () => new AppError('PASSWORD_TOKEN_INVALID', HttpStatus.BAD_REQUEST, 'The password-set token is unknown or already used; ask an admin for a new one'),
  passwordTokenExpired: () => new AppError('PASSWORD_TOKEN_EXPIRED', HttpStatus.BAD_REQUEST, 'The password-set token has expired; ask an admin for a new one'),
  weakPassword: (problem: string) => new AppError('PASSWORD_REJECTED', HttpStatus.BAD_REQUEST, problem),
  userExists: (email: string) => new AppError('USER_EXISTS', HttpStatus.CONFLICT, `A user with e-mail ${email} already exists`),
  userNotFound: (id: string) => new AppError('USER_NOT_FOUND', HttpStatus.NOT_FOUND, `User ${id} not found`),
  cannotRemoveSelf: (id: string) => new AppError('USER_IS_CALLER', HttpStatus.CONFLICT, `User ${id} is the one making this request; another admin must change or remove it`),
  notALogin: () => new AppError('NOT_A_LOGIN', HttpStatus.BAD_REQUEST, 'Logout ends a login: call it with a login access token, or send {refreshToken}'),
};
