import { AGENT_ID_PATTERN, CAPABILITY_NAME_PATTERN } from '../agents.constants.js';
import { A2aCardError } from '../errors/a2a-card.error.js';
import { agentIdFromName, capabilityNameFromSkillId, parseA2aCard, selectInterface, uniqueCapabilityNames } from './a2a-card.js';

const URL_ = 'http://agent.test/.well-known/agent-card.json';

function v1Card(extra: Record<string, unknown> = {}) {
  return {
    name: 'Currency Agent',
    description: 'Converts money',
    version: '2.0.0',
    supportedInterfaces: [{ url: 'http://agent.test/a2a', protocolBinding: 'JSONRPC', protocolVersion: '1.0', tenant: '' }],
    capabilities: { streaming: true },
    defaultInputModes: ['text'],
    defaultOutputModes: ['text'],
    skills: [{ id: 'convert', name: 'Convert', description: 'Convert an amount', tags: [] }],
    ...extra,
  };
}

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof A2aCardError) return error.reason;
    throw error;
  }
  throw new Error('did not throw');
}

describe('A2A card mapping', () => {
  it.each([
    ['Currency Agent', 'currency-agent'],
    ['  Ünïcödé   Agent!! ', 'unicode-agent'],
    ['agent.v2:beta', 'agent.v2:beta'],
    ['--Weird__', 'weird'],
    ['日本語', 'a2a-agent'],
    ['x'.repeat(300), 'x'.repeat(128)],
  ])('agent id of %j is %j', (name, id) => {
    expect(agentIdFromName(name)).toBe(id);
    expect(AGENT_ID_PATTERN.test(id)).toBe(true);
  });

  it.each([
    ['convert', 'convert'],
    ['Convert Currency', 'convert_currency'],
    ['tools/search', 'tools_search'],
    ['summarize-text.v2', 'summarize-text.v2'],
    ['3d-render', 'skill_3d-render'],
    ['__private__', 'private'],
    ['!!!', 'skill_'],
    ['Größe', 'gro_e'],
    ['a'.repeat(80), 'a'.repeat(64)],
  ])('capability name of skill %j is %j', (id, name) => {
    expect(capabilityNameFromSkillId(id)).toBe(name);
    expect(CAPABILITY_NAME_PATTERN.test(name)).toBe(true);
  });

  it('keeps capability names unique with a numeric suffix', () => {
    expect(uniqueCapabilityNames(['Echo', 'echo', 'ECHO', 'echo_2'])).toEqual(['echo', 'echo_2', 'echo_3', 'echo_2_2']);
    const long = uniqueCapabilityNames(['b'.repeat(70), 'b'.repeat(71)]);
    expect(long).toEqual(['b'.repeat(64), `${'b'.repeat(62)}_2`]);
  });

  it('picks the interface the SDK client picks: first supported binding in card order, v1.0 preferred', () => {
    const grpc = { url: 'grpc.test:1', protocolBinding: 'GRPC', protocolVersion: '1.0', tenant: '' };
    const rest03 = { url: 'http://a/rest03', protocolBinding: 'HTTP+JSON', protocolVersion: '0.3', tenant: '' };
    const rest10 = { url: 'http://a/rest10', protocolBinding: 'http+json', protocolVersion: '1.0', tenant: '' };
    const rpc = { url: 'http://a/rpc', protocolBinding: 'JSONRPC', protocolVersion: '1.0', tenant: '' };
    expect(selectInterface([grpc, rest03, rpc, rest10])).toBe(rest10);
    expect(selectInterface([grpc, rpc, rest10])).toBe(rpc);
    expect(selectInterface([grpc])).toBeUndefined();
  });

  it('reads a v1.0 card', () => {
    expect(parseA2aCard(v1Card(), URL_)).toMatchObject({
      legacy: false,
      name: 'Currency Agent',
      description: 'Converts money',
      version: '2.0.0',
      endpoint: 'http://agent.test/a2a',
      binding: 'JSONRPC',
      streaming: true,
      skills: [{ id: 'convert', name: 'Convert', description: 'Convert an amount', capability: 'convert' }],
    });
  });

  it('reads a v0.3 card, filling what the v0.3 translation requires', () => {
    const parsed = parseA2aCard(
      { name: 'Old Agent', url: 'http://old.test/rpc', protocolVersion: '0.3.0', version: '', skills: [{ id: 'Do It', name: 'Do it' }] },
      URL_,
    );
    expect(parsed).toMatchObject({
      legacy: true,
      version: '1.0.0',
      endpoint: 'http://old.test/rpc',
      binding: 'JSONRPC',
      streaming: false,
      skills: [{ id: 'Do It', capability: 'do_it', description: 'Do it' }],
    });
    expect(parsed.card.supportedInterfaces[0]).toMatchObject({ protocolVersion: '0.3.0' });
  });

  it('says what is wrong with an unusable card', () => {
    expect(reason(() => parseA2aCard('card', URL_))).toBe('not_a_card');
    expect(reason(() => parseA2aCard(v1Card({ name: 42 }), URL_))).toBe('not_a_card');
    expect(reason(() => parseA2aCard(v1Card({ supportedInterfaces: [] }), URL_))).toBe('not_a_card');
    expect(reason(() => parseA2aCard(v1Card({ skills: undefined }), URL_))).toBe('no_skills');
    expect(reason(() => parseA2aCard(v1Card({ skills: [{ id: '' }] }), URL_))).toBe('not_a_card');
    expect(reason(() => parseA2aCard({ name: 'Old', url: 'http://o/rpc', preferredTransport: 'GRPC', skills: [{ id: 'a' }] }, URL_))).toBe(
      'unsupported_transport',
    );
    expect(reason(() => parseA2aCard({ name: 'Old', url: 'rpc', skills: [{ id: 'a' }] }, URL_))).toBe('not_a_card');
  });
});
