const ALLOW_HINT = 'List the host, or a CIDR range with its address, in AGENT_ALLOWED_HOSTS to allow it';

/** Text of the refusals of agent targets (registration, restore, connections). */
export const AgentTargetsMessages = {
  badAllowedHosts: (problem: string) =>
    `AGENT_ALLOWED_HOSTS must be a comma-separated list of host names, .suffixes, addresses or CIDR ranges: ${problem}`,
  metadataHost: (what: string, url: string, host: string) =>
    `${what} ${url} is refused: ${host} is a cloud metadata host (rule: no link-local or cloud-metadata agent targets). ${ALLOW_HINT}.`,
  forbiddenAddress: (what: string, url: string, host: string, address: string) =>
    `${what} ${url} is refused: ${host === address ? address : `${host} resolves to ${address}, which`} is a link-local or cloud-metadata address (rule: no link-local or cloud-metadata agent targets). ${ALLOW_HINT}.`,
  notAllowed: (what: string, url: string, host: string, addresses: readonly string[], entries: readonly string[]) =>
    `${what} ${url} is refused: ${host}${addresses.length && addresses[0] !== host ? ` (${addresses.join(', ')})` : ''} is not in AGENT_ALLOWED_HOSTS (${entries.join(', ')}); while it is set, agents may only be registered on the hosts it lists.`,
  unresolvable: (what: string, url: string, host: string, reason: string) =>
    `${what} ${url} is refused: the host ${host} cannot be resolved (${reason}), so its addresses cannot be checked against the agent target rules (link-local and cloud-metadata addresses, AGENT_ALLOWED_HOSTS).`,
  notAUrl: (what: string, url: string) => `${what} ${JSON.stringify(url)} is not an absolute http(s) URL.`,
  restoreRefused: (agentId: string, reason: string) =>
    `Stored remote agent '${agentId}' not restored (its registration is kept): ${reason}`,
};
