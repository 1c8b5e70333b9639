import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { isA2aRegistrationRequest } from '../a2a/a2a-registration.js';
import { MCP_MAX_HEADER_VALUE_LENGTH, MCP_MAX_HEADERS } from '../mcp/mcp.constants.js';
import { isMcpRegistrationRequest } from '../mcp/mcp-registration.js';
import { AGENT_ID_PATTERN, CAPABILITY_NAME_PATTERN } from '../agents.constants.js';
import {
  MAX_CAPABILITIES,
  MAX_CONCURRENCY_LIMIT,
  MAX_DESCRIPTION_LENGTH,
  MAX_ENDPOINT_LENGTH,
  MAX_NAME_LENGTH,
  MAX_VERSION_LENGTH,
} from '../remote/remote-agents.constants.js';

/** An absolute http(s) URL without credentials, query or fragment: the base of `/health` and `/execute`. */
export function isHttpEndpoint(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > MAX_ENDPOINT_LENGTH || value.trim() !== value) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.hostname !== '' &&
    !url.username &&
    !url.password &&
    !url.search &&
    !url.hash &&
    !value.includes('?') &&
    !value.includes('#')
  );
}

/** `http://host:port/base/` → `http://host:port/base` (what `/health` and `/execute` are appended to). */
export function normalizeEndpoint(endpoint: string): string {
  const url = new URL(endpoint);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

function IsHttpEndpoint(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isHttpEndpoint',
      validator: {
        validate: (value) => isHttpEndpoint(value),
        defaultMessage: () =>
          `endpoint must be an absolute http:// or https:// URL without credentials, query or fragment (at most ${MAX_ENDPOINT_LENGTH} characters)`,
      },
    },
    options,
  );
}

function IsParameterTypes(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isParameterTypes',
      validator: {
        validate: (value) =>
          value !== null &&
          typeof value === 'object' &&
          !Array.isArray(value) &&
          Object.values(value as object).every((type) => typeof type === 'string' && type.length <= MAX_NAME_LENGTH),
        defaultMessage: (args) => `${args?.property ?? 'parameters'} must be a flat map of field name → type name (strings)`,
      },
    },
    options,
  );
}

/** The name of an array element that is a capability object, else the element itself. */
const capabilityName = (capability: unknown): unknown =>
  capability !== null && typeof capability === 'object' ? (capability as { name?: unknown }).name : capability;

export class RemoteCapabilityDto {
  @ApiProperty({ example: 'text.summarize', pattern: CAPABILITY_NAME_PATTERN.source })
  @IsString()
  @Matches(CAPABILITY_NAME_PATTERN, { message: `name must match ${CAPABILITY_NAME_PATTERN.source}` })
  name!: string;

  @ApiPropertyOptional({ example: 'Summarize a text' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  description?: string;

  @ApiPropertyOptional({
    description: 'Flat map field → type name shown in /v1/agents; derived from input_schema when absent',
    example: { text: 'string', max_words: 'integer' },
  })
  @IsOptional()
  @IsParameterTypes()
  parameters?: Record<string, string>;

  @ApiPropertyOptional({
    description: 'JSON Schema the parameters are validated against (ajv) before the agent is called; absent: any object',
    example: { type: 'object', properties: { text: { type: 'string' }, max_words: { type: 'integer', minimum: 1 } }, required: ['text'] },
  })
  @IsOptional()
  @IsObject()
  input_schema?: Record<string, unknown>;
}

/** A map of header name → string value, few and short enough to send with every request. */
function IsHeaderMap(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isHeaderMap',
      validator: {
        validate: (value) =>
          value !== null &&
          typeof value === 'object' &&
          !Array.isArray(value) &&
          Object.keys(value as object).length <= MCP_MAX_HEADERS &&
          Object.entries(value as object).every(
            ([name, text]) =>
              /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) &&
              typeof text === 'string' &&
              text.length <= MCP_MAX_HEADER_VALUE_LENGTH &&
              !/[\r\n\0]/.test(text),
          ),
        defaultMessage: () =>
          `headers must map at most ${MCP_MAX_HEADERS} header names to string values (no line breaks, at most ${MCP_MAX_HEADER_VALUE_LENGTH} characters)`,
      },
    },
    options,
  );
}

/** An A2A registration takes its name, endpoint and capabilities from the agent card; an MCP one from the server. */
const isHttp = (body: RegisterRemoteAgentDto) => !isA2aRegistrationRequest(body) && !isMcpRegistrationRequest(body);
const isMcp = (body: RegisterRemoteAgentDto) => isMcpRegistrationRequest(body);

export class RegisterRemoteAgentDto {
  @ApiPropertyOptional({
    enum: ['http', 'a2a', 'mcp'],
    description:
      '`http` (default): a remote HTTP agent described by this body. `a2a` (default when `agent_card_url` is given): an A2A agent described by its agent card; only `agent_id` and `max_concurrency` apply beside `agent_card_url`. `mcp`: an MCP server (Streamable HTTP) at `url`, each tool a capability; `agent_id`, `name`, `headers` and `max_concurrency` apply beside it',
  })
  @IsOptional()
  @IsIn(['http', 'a2a', 'mcp'])
  kind?: 'http' | 'a2a' | 'mcp';

  @ApiPropertyOptional({ example: 'http://127.0.0.1:9300/mcp', description: "MCP: the server's Streamable HTTP endpoint" })
  @ValidateIf(isMcp)
  @IsHttpEndpoint({
    message: `url must be an absolute http:// or https:// URL without credentials, query or fragment (at most ${MAX_ENDPOINT_LENGTH} characters)`,
  })
  url?: string;

  @ApiPropertyOptional({ example: { Authorization: 'Bearer …' }, description: 'MCP: headers sent with every request to the server' })
  @ValidateIf((body: RegisterRemoteAgentDto) => isMcp(body) && body.headers !== undefined)
  @IsHeaderMap()
  headers?: Record<string, string>;

  @ApiPropertyOptional({
    example: 'http://127.0.0.1:9200',
    description:
      "A2A: the agent card URL, or the agent's base URL (then `/.well-known/agent-card.json` (v1.0) and `/.well-known/agent.json` (v0.3) are tried)",
  })
  @ValidateIf((body: RegisterRemoteAgentDto) => isA2aRegistrationRequest(body))
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_ENDPOINT_LENGTH)
  agent_card_url?: string;

  @ApiProperty({
    example: 'agent_summarizer',
    pattern: AGENT_ID_PATTERN.source,
    description: 'A2A: optional, defaults to a slug of the card name; MCP: optional, defaults to a slug of the server name',
  })
  @ValidateIf((body: RegisterRemoteAgentDto) => isHttp(body) || body.agent_id !== undefined)
  @IsString()
  @Matches(AGENT_ID_PATTERN, {
    message: 'agent_id must be 1-128 characters of letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
  })
  agent_id!: string;

  @ApiProperty({ example: 'Summarizer', description: "MCP: optional, defaults to the server's title or name" })
  @ValidateIf((body: RegisterRemoteAgentDto) => isHttp(body) || (isMcp(body) && body.name !== undefined))
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_NAME_LENGTH)
  name!: string;

  @ApiPropertyOptional({ example: 'Summarizes texts' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  description?: string;

  @ApiPropertyOptional({ example: '1.0.0', default: '1.0.0' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_VERSION_LENGTH)
  version?: string;

  @ApiProperty({
    example: 'http://127.0.0.1:9100',
    description: 'Base URL; the agent answers GET {endpoint}/health and POST {endpoint}/execute',
  })
  @ValidateIf(isHttp)
  @IsHttpEndpoint()
  endpoint!: string;

  @ApiProperty({ type: [RemoteCapabilityDto], description: 'At least one; names unique' })
  @ValidateIf(isHttp)
  @IsArray()
  @ArrayMinSize(1, { message: 'capabilities must list at least one capability' })
  @ArrayMaxSize(MAX_CAPABILITIES)
  @ArrayUnique(capabilityName, { message: 'capabilities must not repeat a name' })
  @ValidateNested({ each: true })
  @Type(() => RemoteCapabilityDto)
  capabilities!: RemoteCapabilityDto[];

  @ApiPropertyOptional({ example: 4, minimum: 1, description: 'Most tasks the agent runs at once; absent: no limit' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_CONCURRENCY_LIMIT)
  max_concurrency?: number;
}

export class HeartbeatResponseDto {
  @ApiProperty({ example: 'agent_summarizer' })
  agent_id!: string;

  @ApiProperty({ example: '2026-11-26T08:00:00.000Z' })
  last_heartbeat!: string;
}
