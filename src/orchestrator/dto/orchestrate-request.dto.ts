import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { isUntouchedJsonObject, ValidatesFast } from '../../common/validation/fast-path-validation.pipe.js';
import { isPlainObject } from '../../common/validation/plain-object.js';
import { IsSessionId, isSessionId } from '../../common/validation/session-id.js';

const CAPABILITY_MAX_LENGTH = 64;
const INTENT_MAX_LENGTH = 4096;

@ValidatesFast(orchestrateRequestFastPath)
export class OrchestrateRequestDto {
  @ApiProperty({ example: 'session_001', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' })
  @IsSessionId()
  session_id!: string;

  @ApiProperty({ example: 'echo', description: 'The capability to run' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(CAPABILITY_MAX_LENGTH)
  capability!: string;

  @ApiPropertyOptional({ example: { text: 'Hello, world!' }, description: "Validated against the capability's input" })
  @IsOptional()
  @IsObject()
  parameters?: Record<string, unknown>;

  @ApiPropertyOptional({ example: {}, description: 'Handed to the agent as ctx.context' })
  @IsOptional()
  @IsObject()
  context?: Record<string, unknown>;

  @ApiPropertyOptional({ example: 'Test echo capability', description: "The session's intent, kept in the REQUEST's metadata" })
  @IsOptional()
  @IsString()
  @MaxLength(INTENT_MAX_LENGTH)
  intent?: string;
}

/**
 * The DTO of a body that the rules above accept as it is (the common case), without class-validator;
 * `undefined` for anything else. Lengths are counted in UTF-16 units, never fewer than class-validator
 * counts (it counts a surrogate pair as one character), so nothing it would refuse gets through.
 */
export function orchestrateRequestFastPath(body: unknown): OrchestrateRequestDto | undefined {
  if (!isUntouchedJsonObject(body)) return undefined;
  const { session_id, capability, parameters, context, intent } = body;
  if (!isSessionId(session_id)) return undefined;
  if (typeof capability !== 'string' || capability.length === 0 || capability.length > CAPABILITY_MAX_LENGTH) return undefined;
  if (intent !== undefined && (typeof intent !== 'string' || intent.length > INTENT_MAX_LENGTH)) return undefined;
  // Arrays are not objects here (@IsObject); a null stays with the full pipe (@IsOptional lets it through).
  if ((parameters !== undefined && !isPlainObject(parameters)) || (context !== undefined && !isPlainObject(context))) return undefined;
  const dto = new OrchestrateRequestDto();
  dto.session_id = session_id;
  dto.capability = capability;
  dto.parameters = parameters as Record<string, unknown> | undefined;
  dto.context = context as Record<string, unknown> | undefined;
  dto.intent = intent;
  return dto;
}
