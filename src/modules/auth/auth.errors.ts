import { HttpStatus } from '@nestjs/common';
import { AppError } from '@common/errors';

export const AuthErrors = {
  missingKey: () =>
    new AppError('API_KEY_MISSING', HttpStatus.UNAUTHORIZED, 'Send an API key in the X-API-Key header'),
  invalidKey: () =>
    new AppError('API_KEY_INVALID', HttpStatus.UNAUTHORIZED, 'The API key is unknown or revoked'),
  forbidden: (role: string, needed: string) =>
    new AppError('FORBIDDEN', HttpStatus.FORBIDDEN, `Role ${role} may not do this; it needs ${needed} or higher`),
  keyNotFound: (id: string) => new AppError('API_KEY_NOT_FOUND', HttpStatus.NOT_FOUND, `API key ${id} not found`),
  cannotRevokeSelf: (id: string) =>
    new AppError('API_KEY_IN_USE', HttpStatus.CONFLICT, `API key ${id} is the key making this request; use another admin key to revoke it`),
};
