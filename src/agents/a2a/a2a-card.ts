import type { AgentCard, AgentInterface } from '@a2a-js/sdk';
import { DefaultAgentCardResolver } from '@a2a-js/sdk/client';
import { isLegacyAgentCard } from '@a2a-js/sdk/compat/v0_3/client';
import { isPlainObject } from '../../common/validation/plain-object.js';
import { AGENT_ID_PATTERN, CAPABILITY_NAME_PATTERN, DEFAULT_AGENT_VERSION } from '../agents.constants.js';
import { A2aCardError } from '../errors/a2a-card.error.js';
import { MAX_CAPABILITIES } from '../remote/remote-agents.constants.js';
import { A2A_FALLBACK_AGENT_ID, A2A_SKILL_NAME_PREFIX, A2A_SUPPORTED_BINDINGS } from './a2a.constants.js';
import { A2aMessages } from './a2a.messages.js';

/** A skill of an A2A agent and the capability name it is offered under. */
export interface A2aSkill {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly capability: string;
}

/** What the orchestrator takes from an agent card (v1.0 or v0.3), validated. */
export interface ParsedA2aCard {
  /** The card in the SDK's v1.0 shape (a v0.3 card translated by the SDK's compat layer). */
  readonly card: AgentCard;
  /** Whether the document was a v0.3 card. */
  readonly legacy: boolean;
  readonly name: string;
  readonly description: string;
  readonly version: string;
  /** URL of the interface the SDK's client will use. */
  readonly endpoint: string;
  readonly binding: string;
  readonly streaming: boolean;
  readonly skills: readonly A2aSkill[];
}

const resolver = new DefaultAgentCardResolver({ legacyCompat: { enabled: true } });

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** Latin letters with their accents dropped, lower case. */
function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

/**
 * Default agent id of an A2A agent: its card name folded to lower case, every run of characters other
 * than `a-z 0-9 . _ : -` replaced by one `-`, leading and trailing punctuation dropped, at most 128
 * characters ("Currency Agent" → `currency-agent`). `a2a-agent` when nothing is left.
 */
export function agentIdFromName(name: string, fallback: string = A2A_FALLBACK_AGENT_ID): string {
  const slug = fold(name)
    .replace(/[^a-z0-9._:-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 128)
    .replace(/[._:-]+$/, '');
  return AGENT_ID_PATTERN.test(slug) ? slug : fallback;
}

/**
 * Capability name of an A2A skill id: folded to lower case, every run of characters other than
 * `a-z 0-9 _ . -` replaced by one `_`, leading and trailing `_` dropped, prefixed with `skill_` when it
 * does not start with a letter, cut to 64 characters ("Convert Currency" → `convert_currency`,
 * "tools/search" → `tools_search`, "3d-render" → `skill_3d-render`).
 */
export function capabilityNameFromSkillId(skillId: string, prefix: string = A2A_SKILL_NAME_PREFIX): string {
  let name = fold(skillId)
    .replace(/[^a-z0-9_.-]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!/^[a-z]/.test(name)) name = prefix + name;
  return name.slice(0, 64);
}

/** Capability names for the skill ids (or MCP tool names), in order; a name already taken gets `_2`, `_3`, … */
export function uniqueCapabilityNames(skillIds: readonly string[], prefix: string = A2A_SKILL_NAME_PREFIX): string[] {
  const taken = new Set<string>();
  // Next suffix to try per base name, so that many skills with one name do not each retry every
  // suffix before theirs: each counter only moves forward, which keeps naming linear.
  const nextSuffix = new Map<string, number>();
  return skillIds.map((id) => {
    const base = capabilityNameFromSkillId(id, prefix);
    let name = base;
    if (taken.has(name)) {
      let n = nextSuffix.get(base) ?? 2;
      do {
        name = `${base.slice(0, 64 - `_${n}`.length)}_${n}`;
        n += 1;
      } while (taken.has(name));
      nextSuffix.set(base, n);
    }
    if (!CAPABILITY_NAME_PATTERN.test(name)) throw new Error(`capability name ${name} of skill ${id} is invalid`);
    taken.add(name);
    return name;
  });
}

/**
 * The interface `@a2a-js/sdk`'s ClientFactory picks when it has the JSON-RPC and HTTP+JSON transports:
 * the first binding in card order that it speaks, and for that binding the (last) v1.0 interface, else
 * the first one.
 */
export function selectInterface(interfaces: readonly AgentInterface[]): AgentInterface | undefined {
  const supported = new Set<string>(A2A_SUPPORTED_BINDINGS);
  const best = new Map<string, AgentInterface>();
  for (const candidate of interfaces) {
    const binding = String(candidate.protocolBinding ?? '').toUpperCase();
    if (!best.has(binding) || candidate.protocolVersion === '1.0') best.set(binding, candidate);
  }
  for (const candidate of interfaces) {
    const binding = String(candidate.protocolBinding ?? '').toUpperCase();
    if (supported.has(binding)) return best.get(binding);
  }
  return undefined;
}

/** Missing optional v0.3 fields that the SDK's v0.3 → v1.0 translation insists on. */
function withLegacyDefaults(raw: Record<string, unknown>): Record<string, unknown> {
  return {
    ...raw,
    capabilities: isPlainObject(raw.capabilities) ? raw.capabilities : {},
    defaultInputModes: Array.isArray(raw.defaultInputModes) ? raw.defaultInputModes : [],
    defaultOutputModes: Array.isArray(raw.defaultOutputModes) ? raw.defaultOutputModes : [],
    skills: (raw.skills as Record<string, unknown>[]).map((skill) => ({
      ...skill,
      name: typeof skill.name === 'string' ? skill.name : String(skill.id),
      description: typeof skill.description === 'string' ? skill.description : '',
      tags: Array.isArray(skill.tags) ? skill.tags : [],
    })),
  };
}

/**
 * Validates an agent card document (A2A v1.0, or v0.3 as served at `/.well-known/agent.json`) and
 * takes what the orchestrator needs from it. Throws an A2aCardError that says what is wrong.
 */
export function parseA2aCard(raw: unknown, cardUrl: string): ParsedA2aCard {
  if (!isPlainObject(raw)) throw new A2aCardError('not_a_card', A2aMessages.notAnObject(cardUrl));
  if (!nonEmptyString(raw.name)) throw new A2aCardError('not_a_card', A2aMessages.noName(cardUrl));

  const legacy = isLegacyAgentCard(raw);
  if (legacy ? !nonEmptyString(raw.url) : !Array.isArray(raw.supportedInterfaces) || raw.supportedInterfaces.length === 0) {
    throw new A2aCardError('not_a_card', A2aMessages.noEndpoint(cardUrl));
  }
  if (!Array.isArray(raw.skills) || raw.skills.length === 0) throw new A2aCardError('no_skills', A2aMessages.noSkills(cardUrl));
  if (raw.skills.length > MAX_CAPABILITIES) {
    throw new A2aCardError('too_many_skills', A2aMessages.tooManySkills(cardUrl, raw.skills.length, MAX_CAPABILITIES));
  }
  raw.skills.forEach((skill: unknown, index) => {
    if (!isPlainObject(skill) || !nonEmptyString(skill.id)) throw new A2aCardError('not_a_card', A2aMessages.badSkill(cardUrl, index));
  });

  let card: AgentCard;
  try {
    card = resolver.normalizeAgentCard(legacy ? withLegacyDefaults(raw) : raw);
  } catch (error) {
    throw new A2aCardError('not_a_card', A2aMessages.unreadable(cardUrl, (error as Error).message), { cause: error });
  }

  const interfaces = (card.supportedInterfaces ?? []).filter(isPlainObject) as AgentInterface[];
  const chosen = selectInterface(interfaces);
  if (!chosen) {
    const offered = [...new Set(interfaces.map((i) => String(i.protocolBinding ?? '?')))];
    throw new A2aCardError('unsupported_transport', A2aMessages.unsupportedTransport(cardUrl, offered, A2A_SUPPORTED_BINDINGS));
  }
  if (typeof chosen.url !== 'string' || !isHttpUrl(chosen.url)) {
    throw new A2aCardError('not_a_card', A2aMessages.badEndpoint(cardUrl, chosen.url));
  }

  const skills = card.skills ?? [];
  const names = uniqueCapabilityNames(skills.map((skill) => skill.id));
  return {
    card,
    legacy,
    name: card.name.trim(),
    description: typeof card.description === 'string' ? card.description : '',
    version: nonEmptyString(card.version) ? card.version : DEFAULT_AGENT_VERSION,
    endpoint: chosen.url,
    binding: String(chosen.protocolBinding).toUpperCase(),
    streaming: card.capabilities?.streaming === true,
    skills: skills.map((skill, index) => ({
      id: skill.id,
      name: typeof skill.name === 'string' && skill.name ? skill.name : skill.id,
      description: typeof skill.description === 'string' && skill.description ? skill.description : (skill.name ?? ''),
      capability: names[index]!,
    })),
  };
}
