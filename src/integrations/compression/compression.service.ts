import { Injectable, NotFoundException } from '@nestjs/common';
import type { Contract, JsonObject } from '../../contracts/contract.model.js';
import { ContractsService } from '../../contracts/contracts.service.js';
import { IntegrationsMessages } from '../integrations.messages.js';
import { compressRequestOverhead, MemAgentClient, MessageWindow, type MemAgentMessage } from '../memagent/memagent.client.js';
import { LocalCompressor, type LocalMemoryBlock } from './local-compressor.js';

const PAGE_SIZE = 1_000;

/** The memory block of `POST /v1/compress`: MemAgent's reply, or the local compressor's block. */
export type MemoryBlock = JsonObject | LocalMemoryBlock;

/** A contract as a MemAgent conversation message (REQUEST → user, RESPONSE → assistant). */
export function toMessage(contract: Contract): MemAgentMessage {
  const isRequest = contract.contract_type === 'REQUEST';
  const content = isRequest
    ? `${contract.capability ?? 'unknown'}: ${JSON.stringify(contract.payload ?? null)}`
    : contract.error
      ? `Error: ${contract.error}`
      : JSON.stringify(contract.result ?? contract.payload ?? null);
  return {
    role: isRequest ? 'user' : 'assistant',
    content,
    timestamp: contract.created_at,
    metadata: {
      contract_id: contract.contract_id,
      capability: contract.capability,
      from_agent: contract.from_agent,
      to_agent: contract.to_agent,
      status: contract.status,
    },
  };
}

/** Compresses a session (SPEC §6): through MemAgent when MEMAGENT_URL is set, else locally. */
@Injectable()
export class CompressionService {
  constructor(
    private readonly contracts: ContractsService,
    private readonly memagent: MemAgentClient,
    private readonly local: LocalCompressor,
  ) {}

  /** `memagent` when MEMAGENT_URL is set, else `local`. */
  get mode(): 'memagent' | 'local' {
    return this.memagent.enabled ? 'memagent' : 'local';
  }

  /**
   * 404 if the session has no contracts; 502/503 from MemAgent as MemAgentClient raises them. The
   * session is read page by page (each page within RESPONSE_MAX_BYTES) and never held whole: the local
   * compressor keeps only its bounded block, and MemAgent gets the most recent messages whose request
   * body fits RESPONSE_MAX_BYTES (older messages are left out).
   */
  async compress(sessionId: string, intent?: string | null): Promise<MemoryBlock> {
    if (this.memagent.enabled) {
      const window = new MessageWindow(this.contracts.responseMaxBytes - compressRequestOverhead(sessionId, intent));
      for await (const contract of this.contracts.conversation(sessionId, PAGE_SIZE)) window.push(toMessage(contract));
      if (window.seen === 0) throw new NotFoundException(IntegrationsMessages.sessionNotFound(sessionId));
      return this.memagent.compress(sessionId, intent, window.messages());
    }
    const block = this.local.start(sessionId, intent);
    for await (const contract of this.contracts.conversation(sessionId, PAGE_SIZE)) block.add(contract);
    if (block.count === 0) throw new NotFoundException(IntegrationsMessages.sessionNotFound(sessionId));
    return block.finish();
  }
}
