export { ADMIN_SCOPE, SCOPES, type Scope } from './auth.constants.js';
export { Public, Scopes } from './decorators/scopes.decorator.js';
export type { AuthenticatedRequest } from './guards/api-key.guard.js';
export type { ApiKeyPrincipal, ApiKeyRecord } from './interfaces/api-key.interface.js';
// For the `keys` CLI, which works on an opened store without the Nest application.
export { KyselyApiKeysRepository } from './persistence/kysely-api-keys.repository.js';
