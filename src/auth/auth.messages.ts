import { ADMIN_SCOPE, MAX_KEY_NAME_LENGTH, SCOPES, type Scope } from './auth.constants.js';

/** Text of the errors and log lines of the auth module. */

export const CREATE_KEY_HINT = 'npm run keys -- create --name <name> --scopes <scopes>';

export const missingApiKeyMessage = (): string => 'An API key is required: send it as "Authorization: Bearer <key>" or "X-API-Key: <key>"';

export const invalidApiKeyMessage = (): string => 'The API key is not valid (unknown, malformed or revoked)';

export const conflictingApiKeysMessage = (): string => 'The Authorization and X-API-Key headers carry different keys; send one';

export const noKeysYetMessage = (): string => `AUTH_REQUIRED is set and no API key exists yet; create one with ${CREATE_KEY_HINT}`;

export const missingScopeMessage = (keyName: string, required: readonly Scope[]): string => {
  const accepted = required.includes(ADMIN_SCOPE) ? required : [...required, ADMIN_SCOPE];
  return `The API key '${keyName}' lacks the scope this route needs: ${accepted.map((s) => `'${s}'`).join(' or ')}`;
};

export const unknownScopeMessage = (scope: string): string => `unknown scope '${scope}': the scopes are ${SCOPES.join(', ')}`;

export const noScopesMessage = (): string => `at least one scope is needed: ${SCOPES.join(', ')}`;

export const agentBindingScopesMessage = (scopes: readonly Scope[]): string =>
  `--agent binds a key to one agent, so the key's scopes must be exactly 'agent' (not ${scopes.join(',')})`;

export const badKeyAgentMessage = (agentId: string): string =>
  `agent id ${JSON.stringify(agentId)} is invalid: use 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit`;

export const badKeyNameMessage = (): string => `a key name is 1-${MAX_KEY_NAME_LENGTH} characters without control characters`;

export const openApiWarning = (): string =>
  `OPEN_ACCESS=any and no API key exists: the API is open to anyone who can reach it. Create a key with ${CREATE_KEY_HINT}; from then on every route except /v1 and the health checks needs one.`;

export const protectedModeLog = (): string =>
  `No API key exists: only clients on this host (loopback) are served; others get 401. Create a key with ${CREATE_KEY_HINT}, or set OPEN_ACCESS=any to serve every client without keys. Behind a reverse proxy on this host every client looks local: create a key or set AUTH_REQUIRED=true.`;

export const protectedModeMessage = (address: string | undefined): string =>
  `No API key exists yet, so this server only serves clients on its own host (loopback), and ${address ? `your address ${address}` : 'this client'} is not one. ` +
  `Create a key with ${CREATE_KEY_HINT} and send it, or set OPEN_ACCESS=any on the server to serve every client without keys`;

export const contradictoryAccessMessage = (): string =>
  'AUTH_REQUIRED=true and OPEN_ACCESS=any contradict each other (refuse every client without a key, serve every client without one): set one of them';

export const authRequiredWithoutKeysWarning = (): string =>
  `AUTH_REQUIRED is set and no API key exists: every route except /v1 and the health checks answers 401 until a key is created with ${CREATE_KEY_HINT}.`;

export const keysActiveLog = (active: number): string => `API keys required (${active} active key${active === 1 ? '' : 's'})`;
