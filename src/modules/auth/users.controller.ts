import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@common/api-errors.decorator';
import { ApiAuth } from './api-auth.decorator';
import { Auth, AuthContext, MinRole, OrgId } from './auth.context';
import { CreatedUserDto, CreateUserDto, PasswordTokenDto, UpdateUserDto, UserDto } from './dto/user.dto';
import { UsersService } from './users.service';

@ApiTags('Login & users')
@ApiAuth()
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @MinRole('admin')
  @ApiOperation({ summary: "Add a user to the caller's organization; answers a one-time passwordSetToken for POST /auth/password (no e-mail is sent)" })
  @ApiCreatedResponse({ type: CreatedUserDto })
  @ApiErrors(400, 401, 403, 409)
  create(@Auth() auth: AuthContext, @Body() dto: CreateUserDto): Promise<CreatedUserDto> {
    return this.users.create(auth, dto.email, dto.role);
  }

  @Get()
  @MinRole('admin')
  @ApiOperation({ summary: "The organization's users" })
  @ApiOkResponse({ type: [UserDto] })
  @ApiErrors(401, 403)
  list(@OrgId() orgId: string): Promise<UserDto[]> {
    return this.users.list(orgId);
  }

  @Get(':id')
  @MinRole('admin')
  @ApiOperation({ summary: 'One user' })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(400, 401, 403, 404)
  get(@OrgId() orgId: string, @Param('id', new ParseUUIDPipe()) id: string): Promise<UserDto> {
    return this.users.get(orgId, id);
  }

  @Patch(':id')
  @MinRole('admin')
  @ApiOperation({ summary: "Change a user's role; it applies to the user's next request" })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(400, 401, 403, 404, 409)
  update(@Auth() auth: AuthContext, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdateUserDto): Promise<UserDto> {
    return this.users.setRole(auth, id, dto.role);
  }

  @Delete(':id')
  @MinRole('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a user; their logins end at once' })
  @ApiNoContentResponse()
  @ApiErrors(400, 401, 403, 404, 409)
  remove(@Auth() auth: AuthContext, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.users.remove(auth, id);
  }

  @Post(':id/password-token')
  @MinRole('admin')
  @ApiOperation({ summary: 'A new one-time password-set token for the user (a forgotten password); the previous token stops working' })
  @ApiCreatedResponse({ type: PasswordTokenDto })
  @ApiErrors(400, 401, 403, 404)
  passwordToken(@Auth() auth: AuthContext, @Param('id', new ParseUUIDPipe()) id: string): Promise<PasswordTokenDto> {
    return this.users.newPasswordToken(auth, id);
  }
}
