import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../auth/index.js';
import { ErrorResponseDto } from '../common/dto/error-response.dto.js';
import type { Contract, ContractFilter } from './contract.model.js';
import { ContractsService } from './contracts.service.js';
import { ContractListResponseDto } from './dto/contract-list.dto.js';
import { ContractTreeDto } from './dto/contract-tree.dto.js';
import { ContractDto } from './dto/contract.dto.js';
import { ListContractsQueryDto } from './dto/list-contracts-query.dto.js';

@ApiTags('contracts')
@Scopes('read')
@Controller('v1/contracts')
export class ContractsController {
  constructor(private readonly contracts: ContractsService) {}

  @Get()
  @ApiOperation({
    summary: 'List contracts',
    description:
      'Oldest first. Filters combine with AND; `total` counts all matches; page with `limit` and `next_cursor`. ' +
      'A page ends early (with a `next_cursor`) rather than pass RESPONSE_MAX_BYTES.',
  })
  @ApiOkResponse({ type: ContractListResponseDto, description: 'One page of matching contracts' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A filter, `limit` or `cursor` is not valid' })
  async list(@Query() query: ListContractsQueryDto): Promise<ContractListResponseDto> {
    const page = await this.contracts.list(filterOf(query), { limit: query.limit, cursor: query.cursor });
    return { session_id: query.session_id ?? null, contracts: page.items, total: page.total, next_cursor: page.next_cursor };
  }

  @Get(':contract_id/tree')
  @ApiOperation({
    summary: 'A REQUEST with its RESPONSE and the sub-tasks delegated under it, nested',
    description: 'At most 10,000 REQUESTs and RESPONSE_MAX_BYTES of contracts; a tree cut at either limit has `truncated: true`.',
  })
  @ApiParam({ name: 'contract_id', description: 'REQUEST contract id (ULID)', example: '01JD6Z8K3W5Q9X2M4N7P1R3T5V' })
  @ApiOkResponse({ type: ContractTreeDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No REQUEST contract has this id' })
  tree(@Param('contract_id') contractId: string): Promise<ContractTreeDto> {
    return this.contracts.tree(contractId);
  }

  @Get(':contract_id')
  @ApiOperation({ summary: 'Get one contract' })
  @ApiParam({ name: 'contract_id', description: 'Contract id (ULID)', example: '01JD6Z8K3W5Q9X2M4N7P1R3T5V' })
  @ApiOkResponse({ type: ContractDto, description: 'The contract' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No contract has this id' })
  get(@Param('contract_id') contractId: string): Promise<Contract> {
    return this.contracts.get(contractId);
  }
}

function filterOf(query: ListContractsQueryDto): ContractFilter {
  const filter: ContractFilter = {};
  if (query.session_id !== undefined) filter.session_id = query.session_id;
  if (query.from_agent !== undefined) filter.from_agent = query.from_agent;
  if (query.to_agent !== undefined) filter.to_agent = query.to_agent;
  if (query.contract_type !== undefined) filter.contract_type = query.contract_type;
  if (query.status !== undefined) filter.status = query.status;
  if (query.capability !== undefined) filter.capability = query.capability;
  return filter;
}
