import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { SERVICE_NAME } from '../../app.constants.js';
import { isWellFormedApiKey, readPresentedKey } from '../api-key.js';
import { ApiKeysService } from '../api-keys.service.js';
import { AUTH_ACCESS_METADATA } from '../auth.constants.js';
import {
  conflictingApiKeysMessage,
  invalidApiKeyMessage,
  missingApiKeyMessage,
  missingScopeMessage,
  noKeysYetMessage,
  protectedModeMessage,
} from '../auth.messages.js';
import type { ApiKeyPrincipal } from '../interfaces/api-key.interface.js';
import { isLoopbackAddress } from '../loopback.js';
import { DEFAULT_ACCESS, grantsAccess, type RouteAccess } from '../scopes.js';

/** A request that passed the guard with a key carries it here. */
export interface AuthenticatedRequest extends Request {
  apiKey?: ApiKeyPrincipal;
}

/**
 * The global guard (APP_GUARD). While no API key exists, every route is open to clients on this host
 * (loopback) and answers 401 to others ("protected mode"; `OPEN_ACCESS=any` opens it to everyone);
 * with AUTH_REQUIRED every route answers 401. `@Public()` routes (health checks, the API index) are
 * always open. Once a key exists, a route needs a key carrying
 * one of its `@Scopes(...)` or `admin`; a route without `@Scopes` needs `admin`. No key, or an
 * unknown or revoked one: 401; a key without the scope: 403.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  /** Each route's access, read from its metadata on its first request: controller → handler → access. */
  private readonly accessByRoute = new Map<object, Map<object, RouteAccess>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const access = this.routeAccess(context);
    if (access.public) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!(await this.keys.keysExist())) {
      if (this.keys.authRequired) throw this.unauthorized(context, noKeysYetMessage());
      if (this.servedWithoutKey(request)) return true;
      throw this.unauthorized(context, protectedModeMessage(request.socket.remoteAddress));
    }
    const presented = readPresentedKey(request.headers);
    if (presented.kind === 'none') throw this.unauthorized(context, missingApiKeyMessage());
    if (presented.kind === 'conflict') throw this.unauthorized(context, conflictingApiKeysMessage());
    if (!isWellFormedApiKey(presented.key)) throw this.unauthorized(context, invalidApiKeyMessage());
    const principal = await this.keys.authenticate(presented.key, request);
    if (principal === undefined) throw this.unauthorized(context, invalidApiKeyMessage());
    request.apiKey = principal;
    if (!grantsAccess(principal.scopes, access.scopes)) throw new ForbiddenException(missingScopeMessage(principal.name, access.scopes));
    return true;
  }

  /**
   * What the route asks for: its method's `@Scopes`/`@Public`, else its controller's, else `admin`.
   * Read from the metadata once per route, then a map lookup per request.
   */
  routeAccess(context: ExecutionContext): RouteAccess {
    const controller = context.getClass();
    const handler = context.getHandler();
    let routes = this.accessByRoute.get(controller);
    if (routes === undefined) {
      routes = new Map();
      this.accessByRoute.set(controller, routes);
    }
    let access = routes.get(handler);
    if (access === undefined) {
      access = this.reflector.getAllAndOverride<RouteAccess | undefined>(AUTH_ACCESS_METADATA, [handler, controller]) ?? DEFAULT_ACCESS;
      routes.set(handler, access);
    }
    return access;
  }

  /** Without keys: everyone with OPEN_ACCESS=any, else only a client whose socket is on loopback. */
  private servedWithoutKey(request: Request): boolean {
    if (this.keys.openAccess === 'any') return true;
    return isLoopbackAddress(request.socket?.remoteAddress);
  }

  private unauthorized(context: ExecutionContext, message: string): UnauthorizedException {
    const response = context.switchToHttp().getResponse<Response>();
    if (!response.headersSent) response.setHeader('WWW-Authenticate', `Bearer realm="${SERVICE_NAME}"`);
    return new UnauthorizedException(message);
  }
}
