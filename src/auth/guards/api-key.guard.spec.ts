import { Controller, ForbiddenException, Get, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ApiKeysService } from '../api-keys.service.js';
import { Public, Scopes } from '../decorators/scopes.decorator.js';
import type { ApiKeyPrincipal } from '../interfaces/api-key.interface.js';
import { ApiKeyGuard, type AuthenticatedRequest } from './api-key.guard.js';

@Scopes('read')
@Controller('scoped')
class ScopedController {
  @Get() inherited() {}
  @Get('invoke') @Scopes('invoke') invoke() {}
  @Get('open') @Public() open() {}
}

@Controller('bare')
class BareController {
  @Get() undecorated() {}
  @Get('agent') @Scopes('agent', 'invoke') agent() {}
}

@Public()
@Controller('open')
class OpenController {
  @Get() open() {}
  @Get('admin') @Scopes('admin') admin() {}
}

const VALID = `ao_${'v'.repeat(43)}`;
const READER: ApiKeyPrincipal = { id: 'k1', name: 'reader', scopes: ['read'] };

interface FakeKeys {
  exist: boolean | Promise<boolean>;
  authRequired: boolean;
  openAccess: 'loopback' | 'any';
  principal: ApiKeyPrincipal | undefined | Promise<ApiKeyPrincipal | undefined>;
}

function setUp(fake: Partial<FakeKeys> = {}) {
  const state: FakeKeys = { exist: true, authRequired: false, openAccess: 'loopback', principal: READER, ...fake };
  const presented: string[] = [];
  const keys = {
    keysExist: () => state.exist,
    get authRequired() {
      return state.authRequired;
    },
    get openAccess() {
      return state.openAccess;
    },
    authenticate: (key: string) => {
      presented.push(key);
      return state.principal;
    },
  } as unknown as ApiKeysService;
  const guard = new ApiKeyGuard(new Reflector(), keys);
  const headersSet = new Map<string, string>();
  const context = (
    cls: new () => object,
    method: string,
    headers: Record<string, string> = {},
    remoteAddress: string | null = '127.0.0.1',
  ) => {
    // null: a socket that no longer knows its peer.
    const request = { headers, socket: { remoteAddress: remoteAddress ?? undefined } } as unknown as AuthenticatedRequest;
    const response = { headersSent: false, setHeader: (k: string, v: string) => headersSet.set(k, v) };
    const ctx = {
      getType: () => 'http',
      getHandler: () => (cls.prototype as Record<string, unknown>)[method],
      getClass: () => cls,
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
    } as unknown as ExecutionContext;
    return { ctx, request };
  };
  return { guard, state, presented, headersSet, context };
}

describe('ApiKeyGuard: what a route needs', () => {
  const { guard, context } = setUp();
  const access = (cls: new () => object, method: string) => guard.routeAccess(context(cls, method).ctx);

  it('a method without @Scopes takes its controller’s', () => {
    expect(access(ScopedController, 'inherited')).toEqual({ public: false, scopes: ['read'] });
  });
  it('a method’s @Scopes overrides its controller’s', () => {
    expect(access(ScopedController, 'invoke')).toEqual({ public: false, scopes: ['invoke'] });
  });
  it('a method’s @Public overrides its controller’s @Scopes, and the reverse', () => {
    expect(access(ScopedController, 'open')).toEqual({ public: true });
    expect(access(OpenController, 'open')).toEqual({ public: true });
    expect(access(OpenController, 'admin')).toEqual({ public: false, scopes: ['admin'] });
  });
  it('a route with neither needs admin', () => {
    expect(access(BareController, 'undecorated')).toEqual({ public: false, scopes: ['admin'] });
  });
  it('keeps several scopes', () => {
    expect(access(BareController, 'agent')).toEqual({ public: false, scopes: ['agent', 'invoke'] });
  });
});

describe('ApiKeyGuard: decisions', () => {
  it('no keys and AUTH_REQUIRED unset: everything is open without reading headers', async () => {
    const { guard, context, presented } = setUp({ exist: false });
    await expect(guard.canActivate(context(BareController, 'undecorated').ctx)).resolves.toBe(true);
    expect(presented).toEqual([]);
  });

  it('no keys: a loopback client is served; any other gets 401 naming both ways out, X-Forwarded-For notwithstanding; public routes stay open', async () => {
    const { guard, context, headersSet, presented } = setUp({ exist: false });
    for (const address of ['127.0.0.1', '127.9.8.7', '::1', '::ffff:127.0.0.1']) {
      await expect(
        guard.canActivate(context(BareController, 'undecorated', { 'x-forwarded-for': '198.18.0.2' }, address).ctx),
      ).resolves.toBe(true);
    }
    for (const address of ['198.18.0.2', '10.0.0.1', '::ffff:192.168.1.5', 'fe80::1', null]) {
      const { ctx } = context(ScopedController, 'inherited', { 'x-forwarded-for': '127.0.0.1', 'x-real-ip': '127.0.0.1' }, address);
      await expect(guard.canActivate(ctx)).rejects.toThrow(UnauthorizedException);
      {
        const message = ((await guard.canActivate(ctx).catch((error: unknown) => error)) as UnauthorizedException).message;
        expect(message).toContain('npm run keys -- create');
        expect(message).toContain('OPEN_ACCESS=any');
        if (address) expect(message).toContain(address);
      }
      await expect(guard.canActivate(context(ScopedController, 'open', {}, address).ctx)).resolves.toBe(true);
      await expect(guard.canActivate(context(OpenController, 'open', {}, address).ctx)).resolves.toBe(true);
    }
    expect(headersSet.get('WWW-Authenticate')).toMatch(/^Bearer realm=/);
    // A key is no way in while no key exists: nothing is looked up.
    await expect(guard.canActivate(context(ScopedController, 'inherited', { 'x-api-key': VALID }, '198.18.0.2').ctx)).rejects.toThrow(
      UnauthorizedException,
    );
    expect(presented).toEqual([]);
  });

  it('no keys and OPEN_ACCESS=any: every client is served', async () => {
    const { guard, context } = setUp({ exist: false, openAccess: 'any' });
    for (const address of ['198.18.0.2', '10.0.0.1', 'fe80::1', '127.0.0.1']) {
      await expect(guard.canActivate(context(BareController, 'undecorated', {}, address).ctx)).resolves.toBe(true);
    }
  });

  it('no keys, the answer still coming from the store: the same decision', async () => {
    const { guard, context } = setUp({ exist: Promise.resolve(false) });
    await expect(guard.canActivate(context(BareController, 'undecorated', {}, '::1').ctx)).resolves.toBe(true);
    await expect(guard.canActivate(context(BareController, 'undecorated', {}, '198.18.0.2').ctx)).rejects.toThrow(UnauthorizedException);
  });

  it('keys exist: a loopback client needs a key like everyone else', async () => {
    const { guard, context } = setUp({ openAccess: 'any' });
    await expect(guard.canActivate(context(ScopedController, 'inherited', {}, '127.0.0.1').ctx)).rejects.toThrow(UnauthorizedException);
    await expect(guard.canActivate(context(ScopedController, 'inherited', {}, '198.18.0.2').ctx)).rejects.toThrow(UnauthorizedException);
  });

  it('no keys and AUTH_REQUIRED: 401 except for public routes', async () => {
    const { guard, context, headersSet } = setUp({ exist: false, authRequired: true });
    await expect(guard.canActivate(context(ScopedController, 'inherited', { 'x-api-key': VALID }).ctx)).rejects.toThrow(
      UnauthorizedException,
    );
    expect(headersSet.get('WWW-Authenticate')).toMatch(/^Bearer realm=/);
    await expect(guard.canActivate(context(ScopedController, 'open').ctx)).resolves.toBe(true);
  });

  it('keys exist: public routes need nothing', async () => {
    const { guard, context } = setUp();
    await expect(guard.canActivate(context(OpenController, 'open').ctx)).resolves.toBe(true);
  });

  it('keys exist: no key, a malformed key or conflicting keys are 401 without a look-up', async () => {
    const { guard, context, presented } = setUp();
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer nope' },
      { 'x-api-key': 'ao_x' },
      { authorization: `Bearer ${VALID}`, 'x-api-key': `ao_${'w'.repeat(43)}` },
    ];
    for (const headers of attempts) {
      await expect(guard.canActivate(context(ScopedController, 'inherited', headers).ctx)).rejects.toThrow(UnauthorizedException);
    }
    expect(presented).toEqual([]);
  });

  it('keys exist: an unknown key is 401, a key without the scope 403, with it 200', async () => {
    const unknown = setUp({ principal: undefined });
    await expect(unknown.guard.canActivate(unknown.context(ScopedController, 'inherited', { 'x-api-key': VALID }).ctx)).rejects.toThrow(
      UnauthorizedException,
    );

    const { guard, context } = setUp({ principal: Promise.resolve(READER) });
    await expect(guard.canActivate(context(ScopedController, 'invoke', { authorization: `Bearer ${VALID}` }).ctx)).rejects.toThrow(
      ForbiddenException,
    );
    const { ctx, request } = context(ScopedController, 'inherited', { authorization: `Bearer ${VALID}` });
    await expect(guard.canActivate(ctx)).resolves.toBe(true);
    expect(request.apiKey).toBe(READER);
  });

  it('the 403 names the key and the scopes that would do', async () => {
    const { guard, context } = setUp();
    await expect(guard.canActivate(context(BareController, 'agent', { 'x-api-key': VALID }).ctx)).rejects.toThrow(
      "The API key 'reader' lacks the scope this route needs: 'agent' or 'invoke' or 'admin'",
    );
  });

  it('admin may call every route', async () => {
    const { guard, context } = setUp({ principal: { id: 'k2', name: 'root', scopes: ['admin'] } });
    for (const [cls, method] of [
      [BareController, 'undecorated'],
      [BareController, 'agent'],
      [ScopedController, 'invoke'],
      [OpenController, 'admin'],
    ] as const) {
      await expect(guard.canActivate(context(cls, method, { 'x-api-key': VALID }).ctx)).resolves.toBe(true);
    }
  });

  it('waits for the store when the "keys exist" answer is stale', async () => {
    const { guard, context } = setUp({ exist: Promise.resolve(false) });
    await expect(guard.canActivate(context(BareController, 'undecorated').ctx)).resolves.toBe(true);
    const closed = setUp({ exist: Promise.resolve(true) });
    await expect(closed.guard.canActivate(closed.context(BareController, 'undecorated').ctx)).rejects.toThrow(UnauthorizedException);
  });
});
