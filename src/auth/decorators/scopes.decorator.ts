import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiSecurity, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../../common/dto/error-response.dto.js';
import { ADMIN_SCOPE, API_KEY_SECURITY_SCHEME, AUTH_ACCESS_METADATA, BEARER_SECURITY_SCHEME, type Scope } from '../auth.constants.js';
import { isScope, PUBLIC_ACCESS, type RouteAccess } from '../scopes.js';

/**
 * The scopes a route needs once API keys exist: a key carrying any one of them, or `admin`, may call
 * it. On a class it applies to every route of the controller; on a method it overrides the class.
 * Also documents the route's security (bearer or X-API-Key) and its 401/403 answers in OpenAPI.
 */
export function Scopes(...scopes: [Scope, ...Scope[]]): ClassDecorator & MethodDecorator {
  for (const scope of scopes) {
    if (!isScope(scope)) throw new Error(`@Scopes: unknown scope '${String(scope)}'`);
  }
  const access: RouteAccess = Object.freeze({ public: false, scopes: Object.freeze([...scopes]) });
  const accepted = scopes.includes(ADMIN_SCOPE) ? scopes : [...scopes, ADMIN_SCOPE];
  return applyDecorators(
    SetMetadata(AUTH_ACCESS_METADATA, access),
    ApiBearerAuth(BEARER_SECURITY_SCHEME),
    ApiSecurity(API_KEY_SECURITY_SCHEME),
    ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'No API key, or one that is unknown or revoked (once keys exist)' }),
    ApiForbiddenResponse({
      type: ErrorResponseDto,
      description: `The API key lacks the scope: needs ${accepted.map((s) => `\`${s}\``).join(' or ')}`,
    }),
  );
}

/** A route anyone may call, with or without a key (health checks, the API index). */
export function Public(): ClassDecorator & MethodDecorator {
  return SetMetadata(AUTH_ACCESS_METADATA, PUBLIC_ACCESS);
}
