import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { ROLES, Role } from '../entities/api-key.entity';
import { PASSWORD_MAX } from '../passwords';

const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class LoginDto {
  @ApiProperty({ example: 'ana@example.com' })
  @Transform(trimmed)
  @IsString()
  @MinLength(3)
  @MaxLength(254)
  email: string;

  @ApiProperty({ example: 'correct horse battery staple' })
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_MAX)
  password: string;
}

export class RefreshDto {
  @ApiProperty({ description: 'The refresh token from login or the previous refresh (each works once)' })
  @IsString()
  @MinLength(10)
  @MaxLength(200)
  refreshToken: string;
}

export class LogoutDto {
  @ApiPropertyOptional({ description: 'Ends the login this refresh token belongs to (without it: the login of the access token sent)' })
  @IsOptional()
  @IsString()
  @MinLength(10)
  @MaxLength(200)
  refreshToken?: string;
}

export class SetPasswordDto {
  @ApiProperty({ description: 'The one-time passwordSetToken an admin received for this user' })
  @IsString()
  @MinLength(10)
  @MaxLength(200)
  token: string;

  @ApiProperty({ description: '12 to 256 characters, not the e-mail address', example: 'correct horse battery staple' })
  @IsString()
  @MaxLength(PASSWORD_MAX)
  password: string;
}

export class TokenPairDto {
  @ApiProperty({ description: 'A JWT; send it as Authorization: Bearer. Lives ACCESS_TOKEN_TTL_S (15 min by default).' }) accessToken: string;
  @ApiProperty({ example: 'Bearer' }) tokenType: 'Bearer';
  @ApiProperty({ description: 'Seconds the access token lives' }) expiresIn: number;
  @ApiProperty({ description: 'Works once, at POST /auth/refresh, for the next pair; using it twice ends the login' }) refreshToken: string;
  @ApiProperty({ format: 'date-time', description: 'When the login ends however often it is refreshed' }) refreshExpiresAt: string;
}

export class CreateUserDto {
  @ApiProperty({ example: 'ana@example.com', description: 'Unique across the platform: login names the address, not the organization' })
  @Transform(trimmed)
  @IsEmail({}, { message: 'email must be an e-mail address' })
  @MaxLength(254)
  email: string;

  @ApiProperty({ enum: ROLES, description: 'admin: everything; analyst: import and read; viewer: read only' })
  @IsIn(ROLES)
  role: Role;
}

export class UpdateUserDto {
  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: Role;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ description: 'Whether a password is set (false until the password-set token is redeemed)' }) hasPassword: boolean;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) lastLoginAt: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class PasswordTokenDto {
  @ApiProperty({ description: 'One-time token the user redeems at POST /api/v1/auth/password {token, password}. Shown only this once.' })
  passwordSetToken: string;
  @ApiProperty({ format: 'date-time' }) passwordSetTokenExpiresAt: string;
}

export class CreatedUserDto extends UserDto {
  @ApiProperty({ description: 'One-time token the user redeems at POST /api/v1/auth/password {token, password}. Shown only this once.' })
  passwordSetToken: string;
  @ApiProperty({ format: 'date-time' }) passwordSetTokenExpiresAt: string;
}

export class WhoAmIDto {
  @ApiProperty({ enum: ['api-key', 'user'] }) actorType: 'api-key' | 'user';
  @ApiProperty({ format: 'uuid', description: 'The key id or the user id' }) id: string;
  @ApiProperty({ format: 'uuid' }) orgId: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ description: 'May create organizations' }) platform: boolean;
  @ApiPropertyOptional({ description: "The user's e-mail address (users only)" }) email?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'When the access token expires (users only)' }) expiresAt?: string;
}
