import type { RemoteAgentsTables } from '../agents/remote/persistence/remote-agents.tables.js';
import type { ApiKeysTables } from '../auth/persistence/api-keys.tables.js';
import type { ContractsTables } from '../contracts/persistence/contracts.tables.js';

/**
 * Every table of the store, as the one Kysely instance is typed. Each module declares its own tables
 * next to its repository; this is the only place that imports them (database → feature table types).
 * A new module's tables are added here and created by a migration in `./migrations`.
 */
export interface Database extends ContractsTables, ApiKeysTables, RemoteAgentsTables {}
