import { createHash } from 'crypto';

/** How every secret is stored (API keys, refresh and password-set tokens): sha256 hex, never the secret. */
export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');
