import { Injectable } from '@nestjs/common';
import type { AgentCard } from '@a2a-js/sdk';
import {
  ClientFactory,
  ClientFactoryOptions,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
  RestTransportFactory,
} from '@a2a-js/sdk/client';
import { AGENT_ID_PATTERN } from '../agents.constants.js';
import { acceptAnyParameters } from '../capability-input.js';
import { A2aCardError } from '../errors/a2a-card.error.js';
import { AgentTargetError } from '../errors/agent-target.error.js';
import { AgentDefinitionError } from '../errors/agent-definition.error.js';
import type { AgentDefinition, RegisteredCapability } from '../interfaces/registered-agent.interface.js';
import { AgentTargetPolicy } from '../targets/agent-target.policy.js';
import { A2A_CARD_MAX_BYTES, A2A_CARD_PATH, A2A_CARD_TIMEOUT_MS, A2A_LEGACY_CARD_PATH } from './a2a.constants.js';
import { A2aMessages } from './a2a.messages.js';
import { A2aAgentClient, describeFetchError } from './a2a-agent.client.js';
import { guardedA2aFetch } from './a2a-fetch.js';
import { agentIdFromName, parseA2aCard, type A2aSkill } from './a2a-card.js';

export interface A2aAgentOptions {
  /** Defaults to a slug of the card's name. */
  agent_id?: string;
  /** Most tasks the agent runs at once; null or absent for no limit. */
  max_concurrency?: number | null;
}

export interface FetchedA2aCard {
  /** The card document as served. */
  card: Record<string, unknown>;
  /** Where it was found. */
  cardUrl: string;
}

type Download = { kind: 'json'; json: unknown } | { kind: 'status'; status: number } | { kind: 'not_json' };

/** The http(s) URLs of a card's interfaces (others are never called). */
function interfaceUrls(card: AgentCard): string[] {
  const urls = (card.supportedInterfaces ?? []).map((i) => i?.url).filter((url): url is string => typeof url === 'string');
  return [...new Set(urls.filter((url) => /^https?:\/\//i.test(url)))];
}

/**
 * Places to look for the card of `input`: the URL itself when it names a document (`….json` or a
 * `/.well-known/` path), otherwise the v1.0 and v0.3 well-known documents below its path, then at the
 * origin's root.
 */
export function cardCandidates(input: string): string[] {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new A2aCardError('invalid_url', A2aMessages.invalidUrl(input));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new A2aCardError('invalid_url', A2aMessages.invalidUrl(input));
  url.hash = '';
  if (url.pathname.endsWith('.json') || url.pathname.includes('/.well-known/')) return [url.href];
  url.search = '';
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  const candidates = [A2A_CARD_PATH, A2A_LEGACY_CARD_PATH, `/${A2A_CARD_PATH}`, `/${A2A_LEGACY_CARD_PATH}`].map(
    (path) => new URL(path, url).href,
  );
  return [...new Set(candidates)];
}

/**
 * Turns A2A agents into agent definitions: fetches and validates agent cards (A2A v1.0 at
 * `/.well-known/agent-card.json`, v0.3 at `/.well-known/agent.json`), maps each skill to a capability,
 * and runs capabilities as A2A tasks through `@a2a-js/sdk`'s client (JSON-RPC or HTTP+JSON, v1.0 or
 * v0.3 as the card says).
 */
@Injectable()
export class A2aAgentFactory {
  private readonly clients: ClientFactory;

  constructor(private readonly targets: AgentTargetPolicy) {
    // Every call to an agent goes through the target rules, follows no redirect, and has a byte budget.
    const fetchImpl = guardedA2aFetch(targets);
    this.clients = new ClientFactory(
      ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
        transports: [
          new JsonRpcTransportFactory({ legacyCompat: { enabled: true }, fetchImpl }),
          new RestTransportFactory({ legacyCompat: { enabled: true }, fetchImpl }),
        ],
        cardResolver: new DefaultAgentCardResolver({ legacyCompat: { enabled: true }, fetchImpl }),
      }),
    );
  }

  /**
   * Downloads the agent card at `url` (the card's own URL, or the agent's base URL) and checks that it
   * is usable. Throws an A2aCardError saying why not. Nothing is sent when `url` breaks the agent
   * target rules; a redirect is not followed; a card whose interface URLs break them is refused.
   */
  async fetchCard(url: string, signal?: AbortSignal): Promise<FetchedA2aCard> {
    const misses: string[] = [];
    let notJson: A2aCardError | undefined;
    const candidates = cardCandidates(url);
    await this.assertTarget(url, 'agent_card_url');
    for (const candidate of candidates) {
      const download = await this.download(candidate, signal);
      if (download.kind === 'status') {
        misses.push(`${candidate} answered ${download.status}`);
        continue;
      }
      if (download.kind === 'not_json') {
        notJson ??= new A2aCardError('not_json', A2aMessages.notJson(candidate));
        continue;
      }
      const parsed = parseA2aCard(download.json, candidate);
      for (const interfaceUrl of interfaceUrls(parsed.card))
        await this.assertTarget(interfaceUrl, `The interface URL of the agent card at ${candidate}:`);
      return { card: download.json as Record<string, unknown>, cardUrl: candidate };
    }
    throw notJson ?? new A2aCardError('unreachable', A2aMessages.noCardFound(misses));
  }

  /**
   * Checks a stored card against the agent target rules (they may have changed since it was
   * registered): its URL and its interface URLs. Throws an A2aCardError (`forbidden_target`).
   */
  async assertStoredTargets(card: Record<string, unknown>, cardUrl: string): Promise<void> {
    // A host that does not resolve now is checked again by every call to the agent.
    await this.assertTarget(cardUrl, 'agent_card_url', 'allow');
    for (const interfaceUrl of interfaceUrls(parseA2aCard(card, cardUrl).card)) {
      await this.assertTarget(interfaceUrl, `The interface URL of the agent card at ${cardUrl}:`, 'allow');
    }
  }

  private async assertTarget(url: string, what: string, unresolvable: 'refuse' | 'allow' = 'refuse'): Promise<void> {
    try {
      await this.targets.assertAllowed(url, what, unresolvable);
    } catch (error) {
      if (error instanceof AgentTargetError) throw new A2aCardError('forbidden_target', error.message, { cause: error });
      throw error;
    }
  }

  /**
   * The agent definition of a card fetched earlier (or stored): kind `a2a`, endpoint = the URL of the
   * interface the SDK's client uses, one capability per skill. Throws an A2aCardError for a card that
   * is not usable, an AgentDefinitionError for an invalid `agent_id`.
   */
  create(card: Record<string, unknown>, cardUrl: string, options: A2aAgentOptions = {}): AgentDefinition {
    const parsed = parseA2aCard(card, cardUrl);
    const agentId = options.agent_id ?? agentIdFromName(parsed.name);
    if (!AGENT_ID_PATTERN.test(agentId)) throw new AgentDefinitionError(A2aMessages.invalidAgentId(agentId));
    const client = new A2aAgentClient(agentId, parsed, this.clients);

    const skills = new Map<string, A2aSkill>();
    const capabilities = new Map<string, RegisteredCapability>();
    for (const skill of parsed.skills) {
      skills.set(skill.capability, skill);
      capabilities.set(skill.capability, {
        name: skill.capability,
        description: skill.description,
        parameters: {},
        input_schema: {},
        // The card describes no input schema: a skill takes any parameters object.
        validate: acceptAnyParameters,
        resumable: true,
      });
    }

    return {
      agent_id: agentId,
      name: parsed.name,
      description: parsed.description,
      version: parsed.version,
      kind: 'a2a',
      endpoint: parsed.endpoint,
      max_concurrency: options.max_concurrency ?? null,
      source: `A2A agent card ${cardUrl}`,
      capabilities,
      execute: (capability, input, ctx) => client.run(skills.get(capability)!, input, ctx),
    };
  }

  private async download(url: string, signal?: AbortSignal): Promise<Download> {
    const timeout = AbortSignal.timeout(A2A_CARD_TIMEOUT_MS);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const version = url.endsWith('/agent.json') ? '0.3' : '1.0';
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        headers: { accept: 'application/json', 'A2A-Version': version },
        signal: combined,
        redirect: 'manual',
      });
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel().catch(() => undefined);
        throw new A2aCardError('redirected', A2aMessages.redirected(url, response.status, response.headers.get('location')));
      }
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        return { kind: 'status', status: response.status };
      }
      text = await readCapped(response, url);
    } catch (error) {
      if (error instanceof A2aCardError) throw error;
      if (signal?.aborted) throw signal.reason;
      const detail = timeout.aborted ? `no answer within ${A2A_CARD_TIMEOUT_MS} ms` : describeFetchError(error);
      throw new A2aCardError('unreachable', A2aMessages.unreachable(url, detail), { cause: error });
    }
    try {
      return { kind: 'json', json: JSON.parse(text) };
    } catch {
      return { kind: 'not_json' };
    }
  }
}

/** The body as text, refusing more than A2A_CARD_MAX_BYTES. */
async function readCapped(response: Response, url: string): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > A2A_CARD_MAX_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new A2aCardError('not_a_card', A2aMessages.tooLarge(url, A2A_CARD_MAX_BYTES));
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
