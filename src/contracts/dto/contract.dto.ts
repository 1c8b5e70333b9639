import { ApiProperty } from '@nestjs/swagger';
import {
  CONTRACT_STATUSES,
  CONTRACT_TYPES,
  type Contract,
  type ContractStatus,
  type ContractType,
  type JsonObject,
  type JsonValue,
} from '../contract.model.js';

/** A contract as the API shows it (SPEC §5). */
export class ContractDto implements Contract {
  @ApiProperty({ description: 'ULID of the contract', example: '01JD6Z8K3W5Q9X2M4N7P1R3T5V' })
  contract_id!: string;

  @ApiProperty({ description: 'Session the contract belongs to', example: 'session_demo_001' })
  session_id!: string;

  @ApiProperty({ enum: CONTRACT_TYPES, enumName: 'ContractType', example: 'REQUEST' })
  contract_type!: ContractType;

  @ApiProperty({ description: 'Sender: `orchestrator` for a REQUEST, the agent id for a RESPONSE', example: 'orchestrator' })
  from_agent!: string;

  @ApiProperty({ description: 'Receiver: the agent id for a REQUEST, `orchestrator` for a RESPONSE', example: 'agent_example_001' })
  to_agent!: string;

  @ApiProperty({ type: String, nullable: true, description: 'Capability that was asked for', example: 'echo' })
  capability!: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'REQUEST: the task parameters; RESPONSE: `{success, data, error}`',
    example: { text: 'hello' },
  })
  payload!: JsonValue;

  @ApiProperty({ enum: CONTRACT_STATUSES, enumName: 'ContractStatus', example: 'completed' })
  status!: ContractStatus;

  @ApiProperty({ description: 'ISO-8601 UTC', example: '2026-11-25T12:00:00.000Z' })
  created_at!: string;

  @ApiProperty({ type: String, nullable: true, description: 'ISO-8601 UTC; null while the task runs', example: '2026-11-25T12:00:00.042Z' })
  completed_at!: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Result data of a completed task (a non-object result is wrapped as `{result: value}`), else null',
    example: { message: 'Echo: hello' },
  })
  result!: JsonValue | null;

  @ApiProperty({ type: String, nullable: true, description: 'Error message of a failed task, else null', example: null })
  error!: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Free-form details (intent, context, agent name, duration …)',
    example: { intent: 'Say hello', duration_ms: 3 },
  })
  metadata!: JsonObject;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'On a RESPONSE: the contract_id of the REQUEST it answers',
    example: null,
  })
  parent_contract_id!: string | null;
}
