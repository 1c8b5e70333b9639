import { All, Controller, ForbiddenException, Get, HttpCode, HttpStatus, Inject, Post, Req, Res } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ApiBody, ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { A2A_VERSION_HEADER, AGENT_CARD_PATH, AgentCard } from '@a2a-js/sdk';
import { UnauthenticatedUser, type User } from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler, restHandler } from '@a2a-js/sdk/server/express';
import type { Request, RequestHandler, Response } from 'express';
import { grantsAccess } from '../../auth/scopes.js';
import { Public, Scopes, type AuthenticatedRequest } from '../../auth/index.js';
import { runExpressHandler } from '../run-express-handler.js';
import { A2aAgentCard } from './a2a-agent-card.js';
import { a2aServerConfig } from './a2a-server.config.js';
import { A2A_REST_PATH, a2aMethodScope, a2aRestScope } from './a2a-server.constants.js';
import { A2aServerMessages } from './a2a-server.messages.js';
import { OrchestratorA2aHandler } from './orchestrator-a2a.handler.js';

/** The caller as the SDK sees it: the API key's name, when the request carried one. */
function userOf(req: Request): User {
  const key = (req as AuthenticatedRequest).apiKey;
  return key ? { isAuthenticated: true, userName: key.name } : new UnauthenticatedUser();
}

/**
 * The orchestrator as an A2A agent: its agent card and the JSON-RPC endpoint, both served by the SDK's
 * Express handlers (JSON-RPC and HTTP+JSON; v1.0, and v0.3 through the SDK's compatibility layer) behind
 * the API-key guard.
 */
@ApiTags('a2a')
@Controller()
export class A2aServerController {
  private readonly rpc: RequestHandler;
  private readonly rest: RequestHandler;

  constructor(
    handler: OrchestratorA2aHandler,
    private readonly card: A2aAgentCard,
    @Inject(a2aServerConfig.KEY) private readonly config: ConfigType<typeof a2aServerConfig>,
  ) {
    const userBuilder = (req: Request) => Promise.resolve(userOf(req));
    this.rpc = jsonRpcHandler({ requestHandler: handler, userBuilder, legacyCompat: { enabled: true } });
    this.rest = restHandler({ requestHandler: handler, userBuilder, legacyCompat: { enabled: true } });
  }

  @Get(AGENT_CARD_PATH)
  @Public()
  @ApiOperation({
    summary: "The orchestrator's A2A agent card",
    description: 'One skill per capability; JSON-RPC at /a2a. A v0.3 card for clients that send `A2A-Version: 0.3` or no version.',
  })
  @ApiOkResponse({ description: 'The agent card (A2A 1.0)' })
  agentCard(@Req() req: Request, @Res() res: Response): Promise<void> {
    const baseUrl = this.config.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    // The SDK's v1.0 route sends the card as given, so it gets the card's JSON form (oneof fields such as
    // the security scheme differ); its v0.3 route (no version, or 0.x) translates the card itself.
    const version = req.header(A2A_VERSION_HEADER)?.trim();
    const legacy = !version || version.startsWith('0.');
    const provider = async () => {
      const card = await this.card.build(baseUrl);
      return legacy ? card : (AgentCard.toJSON(card) as AgentCard);
    };
    // No caching: the skills change when agents come and go.
    const handler = agentCardHandler({ agentCardProvider: provider, cache: { maxAge: 0 }, legacyCompat: { enabled: true } });
    return runExpressHandler(handler, req, res);
  }

  @Post('a2a')
  @Scopes('read', 'invoke')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'A2A JSON-RPC endpoint',
    description:
      'SendMessage, SendStreamingMessage, GetTask, ListTasks, CancelTask, SubscribeToTask (and their v0.3 names). With API keys: `invoke` to send and cancel, `read` for the others.',
  })
  @ApiBody({ schema: { type: 'object', example: { jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: '01J…' } } } })
  @ApiOkResponse({ description: 'A JSON-RPC response, or a stream of them (text/event-stream) for the streaming methods' })
  jsonRpc(@Req() req: AuthenticatedRequest, @Res() res: Response): Promise<void> {
    const method: unknown = (req.body as { method?: unknown } | undefined)?.method;
    const scope = a2aMethodScope(method);
    // The guard let in a key with `read` or `invoke`; the method decides which one it needs.
    if (req.apiKey && !grantsAccess(req.apiKey.scopes, [scope])) {
      throw new ForbiddenException(A2aServerMessages.missingScope(String(method), scope));
    }
    return runExpressHandler(this.rpc, req, res);
  }

  /** The HTTP+JSON binding: the SDK's REST router, each route with the scope of its JSON-RPC twin. */
  @All('a2a/rest/*path')
  @Scopes('read', 'invoke')
  @ApiExcludeEndpoint()
  restBinding(@Req() req: AuthenticatedRequest, @Res() res: Response): Promise<void> {
    const path = req.path.slice(A2A_REST_PATH.length);
    const scope = a2aRestScope(req.method, path);
    if (req.apiKey && !grantsAccess(req.apiKey.scopes, [scope])) {
      throw new ForbiddenException(A2aServerMessages.missingScope(`${req.method} ${A2A_REST_PATH}${path}`, scope));
    }
    return runExpressHandler(this.rest, req, res, A2A_REST_PATH);
  }
}
