import { get, Agent as HttpAgent } from 'node:http';
import { startServer, type RealServer } from '../../../test/utils/http-server.js';
import { AgentTargetError } from '../errors/agent-target.error.js';
import { AgentTargetPolicy } from './agent-target.policy.js';
import { coversAddress, isForbiddenAddress, judgeTarget, namesHost, normalizeHost, parseAllowedHosts } from './agent-targets.js';

describe('agent target rules', () => {
  it('parseAllowedHosts: host names, .suffixes, addresses and CIDR ranges, trimmed and lower-cased', () => {
    const allowed = parseAllowedHosts(' Agents.Internal , .svc.cluster.local,10.0.0.0/8, ::1 ,[fd00::]/8,192.168.1.7,');
    expect(allowed.entries).toEqual(['agents.internal', '.svc.cluster.local', '10.0.0.0/8', '::1', 'fd00::/8', '192.168.1.7']);
    expect([...allowed.hosts]).toEqual(['agents.internal']);
    expect(allowed.suffixes).toEqual(['.svc.cluster.local']);
  });

  it.each(['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0/8', 'http://x', 'a b', 'x/8', '-bad.example', ',', ''])(
    'parseAllowedHosts refuses %j',
    (list) => {
      expect(() => parseAllowedHosts(list)).toThrow();
    },
  );

  it('namesHost: exact names and subdomains of a .suffix, never addresses', () => {
    const allowed = parseAllowedHosts('agents.internal,.svc.local,127.0.0.1');
    expect(namesHost(allowed, 'agents.internal')).toBe(true);
    expect(namesHost(allowed, 'x.agents.internal')).toBe(false);
    expect(namesHost(allowed, 'a.svc.local')).toBe(true);
    expect(namesHost(allowed, 'a.b.svc.local')).toBe(true);
    expect(namesHost(allowed, 'svc.local')).toBe(false);
    expect(namesHost(allowed, 'evilsvc.local')).toBe(false);
    expect(namesHost(allowed, '127.0.0.1')).toBe(false);
    expect(namesHost(null, 'agents.internal')).toBe(false);
  });

  it('coversAddress: addresses and CIDR ranges of both families, IPv4-mapped IPv6 included', () => {
    const allowed = parseAllowedHosts('10.0.0.0/8,fd00::/8,192.168.1.7');
    expect(coversAddress(allowed, '10.200.3.4')).toBe(true);
    expect(coversAddress(allowed, '11.0.0.1')).toBe(false);
    expect(coversAddress(allowed, '::ffff:10.1.2.3')).toBe(true);
    expect(coversAddress(allowed, 'fd12::1')).toBe(true);
    expect(coversAddress(allowed, 'fe80::1')).toBe(false);
    expect(coversAddress(allowed, '192.168.1.7')).toBe(true);
    expect(coversAddress(allowed, '192.168.1.8')).toBe(false);
    expect(coversAddress(allowed, 'not-an-ip')).toBe(false);
    expect(coversAddress(null, '10.0.0.1')).toBe(false);
  });

  it('isForbiddenAddress: link-local and metadata addresses, whatever their spelling', () => {
    for (const address of [
      '169.254.169.254',
      '169.254.0.1',
      'fe80::1',
      'FE80::abcd',
      'febf::1',
      '::ffff:169.254.169.254',
      '::ffff:a9fe:a9fe',
      '100.100.100.200',
      'fd00:ec2::254',
      '168.63.129.16',
    ]) {
      expect([address, isForbiddenAddress(address)]).toEqual([address, true]);
    }
    for (const address of ['127.0.0.1', '::1', '10.0.0.1', '169.255.0.1', 'fec0::1', '100.100.100.201', 'fd00:ec2::253', 'example.com']) {
      expect([address, isForbiddenAddress(address)]).toEqual([address, false]);
    }
  });

  it('normalizeHost', () => {
    expect(normalizeHost('[FE80::1]')).toBe('fe80::1');
    expect(normalizeHost('Metadata.Google.Internal.')).toBe('metadata.google.internal');
  });

  it('judgeTarget without an allowlist: only link-local and metadata targets are refused', () => {
    expect(judgeTarget(null, '127.0.0.1', ['127.0.0.1'])).toEqual({ ok: true });
    expect(judgeTarget(null, 'agents.example', ['10.0.0.1', '::1'])).toEqual({ ok: true });
    expect(judgeTarget(null, 'agents.example', ['10.0.0.1', '169.254.169.254'])).toEqual({
      ok: false,
      rule: 'forbidden_address',
      host: 'agents.example',
      address: '169.254.169.254',
    });
    expect(judgeTarget(null, 'metadata.google.internal', [])).toEqual({
      ok: false,
      rule: 'metadata_host',
      host: 'metadata.google.internal',
    });
  });

  it('judgeTarget with an allowlist: what it lists is allowed, link-local included; nothing else', () => {
    const allowed = parseAllowedHosts('agents.internal,127.0.0.0/8,169.254.10.0/24');
    expect(judgeTarget(allowed, 'agents.internal', ['169.254.169.254'])).toEqual({ ok: true });
    expect(judgeTarget(allowed, '127.0.0.1', ['127.0.0.1'])).toEqual({ ok: true });
    expect(judgeTarget(allowed, 'localhost', ['127.0.0.1'])).toEqual({ ok: true });
    expect(judgeTarget(allowed, 'localhost', ['127.0.0.1', '::1'])).toEqual({
      ok: false,
      rule: 'not_allowed',
      host: 'localhost',
      addresses: ['127.0.0.1', '::1'],
    });
    expect(judgeTarget(allowed, '169.254.10.5', ['169.254.10.5'])).toEqual({ ok: true });
    expect(judgeTarget(allowed, '169.254.169.254', ['169.254.169.254'])).toMatchObject({ ok: false, rule: 'forbidden_address' });
    expect(judgeTarget(allowed, '10.0.0.1', ['10.0.0.1'])).toMatchObject({ ok: false, rule: 'not_allowed' });
    expect(judgeTarget(parseAllowedHosts('metadata.google.internal'), 'metadata.google.internal', [])).toEqual({ ok: true });
  });
});

describe('AgentTargetPolicy (real sockets on loopback)', () => {
  let server: RealServer;

  beforeAll(async () => {
    server = await startServer((_req, res) => void res.end('ok'));
  });

  afterAll(async () => {
    await server.close();
  });

  /** GET through an http.Agent whose lookup is the policy's: the status, or the error. */
  function getThrough(policy: AgentTargetPolicy, url: string): Promise<number | Error> {
    const agent = new HttpAgent({ lookup: policy.lookup });
    return new Promise<number | Error>((resolve) => {
      get(url, { agent }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', resolve);
    }).finally(() => agent.destroy());
  }

  it('the lookup refuses a host name whose addresses the rules refuse, before connecting', async () => {
    const policy = new AgentTargetPolicy({ allowedHosts: parseAllowedHosts('example.test') });
    const before = server.requests.length;
    const outcome = await getThrough(policy, `http://localhost:${server.port}/`);
    expect(outcome).toBeInstanceOf(AgentTargetError);
    expect((outcome as Error).message).toContain('not in AGENT_ALLOWED_HOSTS');
    expect(server.requests.length).toBe(before);
  });

  it('the lookup lets through what the rules allow', async () => {
    await expect(getThrough(new AgentTargetPolicy({ allowedHosts: null }), `http://localhost:${server.port}/`)).resolves.toBe(200);
    await expect(
      getThrough(new AgentTargetPolicy({ allowedHosts: parseAllowedHosts('localhost') }), `http://localhost:${server.port}/`),
    ).resolves.toBe(200);
    await expect(
      getThrough(new AgentTargetPolicy({ allowedHosts: parseAllowedHosts('127.0.0.0/8,::1') }), `http://localhost:${server.port}/`),
    ).resolves.toBe(200);
  });

  it('refusal: resolves host names and names the rule and the variable', async () => {
    const strict = new AgentTargetPolicy({ allowedHosts: parseAllowedHosts('127.0.0.2') });
    expect(await strict.refusal(`http://localhost:${server.port}/`, 'endpoint')).toMatch(
      /^endpoint http:\/\/localhost:\d+\/ is refused: localhost \(.*127\.0\.0\.1.*\) is not in AGENT_ALLOWED_HOSTS \(127\.0\.0\.2\)/,
    );
    expect(await strict.refusal('http://127.0.0.2:1/', 'endpoint')).toBeUndefined();
    const open = new AgentTargetPolicy({ allowedHosts: null });
    expect(await open.refusal(`http://localhost:${server.port}/`, 'endpoint')).toBeUndefined();
    expect(await open.refusal('http://[fe80::1]/', 'endpoint')).toContain('fe80::1 is a link-local or cloud-metadata address');
    expect(await open.refusal('ftp://x/', 'endpoint')).toContain('not an absolute http(s) URL');
  });
});
