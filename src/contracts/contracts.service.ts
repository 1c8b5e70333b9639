import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { Contract, ContractFilter, ContractStats, Page, PageRequest, SessionSummary } from './contract.model.js';
import { ContractRepository } from './contract.repository.js';
import { contractJsonSize } from './contract-size.js';
import { contractsConfig, DEFAULT_RESPONSE_MAX_BYTES } from './contracts.config.js';
import { CONVERSATION_BATCH_SIZE, DEFAULT_PAGE_LIMIT, MAX_TREE_NODES, RESPONSE_ENVELOPE_BYTES } from './contracts.constants.js';
import { contractNotFoundMessage, requestTreeNotFoundMessage, sessionNotFoundMessage } from './contracts.messages.js';
import type { ContractTreeDto } from './dto/contract-tree.dto.js';
import { InvalidCursorError } from './errors/invalid-cursor.error.js';

/** `GET /v1/sessions/:session_id`: the session and one page of its conversation (oldest first). */
export interface SessionDetail extends SessionSummary {
  conversation: Contract[];
  next_cursor: string | null;
}

/**
 * Read side of the contract store for controllers and other modules, with HTTP-ready errors
 * (404 for unknown ids, 400 for a bad cursor). Writes go through ContractRepository directly.
 */
@Injectable()
export class ContractsService {
  constructor(
    private readonly repository: ContractRepository,
    @Inject(contractsConfig.KEY) private readonly config: ConfigType<typeof contractsConfig>,
  ) {}

  /** RESPONSE_MAX_BYTES: the most a list page, tree or compress answer may hold. */
  get responseMaxBytes(): number {
    return this.config.responseMaxBytes ?? DEFAULT_RESPONSE_MAX_BYTES;
  }

  /** What the contracts of one answer may take, the rest of the answer set aside. */
  private get contractBudget(): number {
    return Math.max(1, this.responseMaxBytes - RESPONSE_ENVELOPE_BYTES);
  }

  /** Contracts matching every given filter, oldest first; the page ends early at RESPONSE_MAX_BYTES. */
  list(filter: ContractFilter, page: Partial<PageRequest> = {}): Promise<Page<Contract>> {
    return withCursorCheck(() => this.repository.find(filter, { ...pageOf(page), maxBytes: this.contractBudget }));
  }

  /** One contract; NotFoundException if unknown. */
  async get(contractId: string): Promise<Contract> {
    const contract = await this.repository.findById(contractId);
    if (contract === undefined) throw new NotFoundException(contractNotFoundMessage(contractId));
    return contract;
  }

  /**
   * A REQUEST with its RESPONSE and its sub-tasks, nested (`GET /v1/contracts/:id/tree`). Read level by
   * level; at most MAX_TREE_NODES requests and RESPONSE_MAX_BYTES of contracts: a tree cut at either
   * limit says so (`truncated: true`). NotFoundException unless the id is a REQUEST.
   */
  async tree(contractId: string): Promise<ContractTreeDto> {
    const root = await this.repository.findById(contractId);
    if (root?.contract_type !== 'REQUEST') throw new NotFoundException(requestTreeNotFoundMessage(contractId));
    const budget = this.contractBudget;
    // The root is always there, whatever its size; each node adds `"response":null,"subtasks":[]`.
    let used = contractJsonSize(root) + TREE_NODE_BYTES;
    let truncated = false;
    const rootNode: ContractTreeDto = { ...root, response: null, subtasks: [] };
    let level = [rootNode];
    let nodes = 1;
    while (level.length > 0 && !truncated) {
      const byId = new Map(level.map((node) => [node.contract_id, node]));
      const next: ContractTreeDto[] = [];
      for (const child of await this.repository.findChildren([...byId.keys()])) {
        const parent = byId.get(child.parent_contract_id!)!;
        const isResponse = child.contract_type === 'RESPONSE';
        if (isResponse && parent.response !== null) continue;
        const size = contractJsonSize(child) + (isResponse ? 0 : TREE_NODE_BYTES);
        if (used + size > budget || (!isResponse && nodes >= MAX_TREE_NODES)) {
          truncated = true;
          break;
        }
        used += size;
        if (isResponse) {
          parent.response = child;
        } else {
          const node: ContractTreeDto = { ...child, response: null, subtasks: [] };
          parent.subtasks.push(node);
          next.push(node);
          nodes += 1;
        }
      }
      level = next;
    }
    if (truncated) rootNode.truncated = true;
    return rootNode;
  }

  /** Sessions, most recently updated first. */
  listSessions(page: Partial<PageRequest> = {}): Promise<Page<SessionSummary>> {
    return withCursorCheck(() => this.repository.listSessions(pageOf(page)));
  }

  /** A session with one page of its conversation; NotFoundException if unknown. */
  async getSession(sessionId: string, page: Partial<PageRequest> = {}): Promise<SessionDetail> {
    const session = await this.repository.findSession(sessionId);
    if (session === undefined) throw new NotFoundException(sessionNotFoundMessage(sessionId));
    const conversation = await withCursorCheck(() =>
      this.repository.find({ session_id: sessionId }, { ...pageOf(page), maxBytes: this.contractBudget }),
    );
    return { ...session, conversation: conversation.items, next_cursor: conversation.next_cursor };
  }

  /**
   * Every contract of a session, oldest first, read in batches of at most `batchSize` contracts and
   * RESPONSE_MAX_BYTES, so that memory does not grow with the session (use `for await`). Yields
   * nothing for an unknown session.
   */
  async *conversation(sessionId: string, batchSize: number = CONVERSATION_BATCH_SIZE): AsyncGenerator<Contract, void, undefined> {
    let cursor: string | undefined;
    do {
      const page = await this.repository.find({ session_id: sessionId }, { limit: batchSize, cursor, maxBytes: this.contractBudget });
      yield* page.items;
      cursor = page.next_cursor ?? undefined;
    } while (cursor !== undefined);
  }

  /** Totals for `GET /v1/status`. */
  stats(): Promise<ContractStats> {
    return this.repository.stats();
  }
}

/** `,"response":null,"subtasks":[]` and a comma between siblings: what a tree node adds to its contract. */
const TREE_NODE_BYTES = 32;

function pageOf(page: Partial<PageRequest>): PageRequest {
  return { limit: page.limit ?? DEFAULT_PAGE_LIMIT, cursor: page.cursor };
}

async function withCursorCheck<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof InvalidCursorError) throw new BadRequestException(error.message);
    throw error;
  }
}
