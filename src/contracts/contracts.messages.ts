/** Message texts of the ContractsModule (errors and log lines). */

export const contractNotFoundMessage = (contractId: string): string => `Contract '${contractId}' not found`;

export const requestTreeNotFoundMessage = (contractId: string): string =>
  `REQUEST contract '${contractId}' not found (a tree starts at a REQUEST)`;

export const sessionNotFoundMessage = (sessionId: string): string => `Session '${sessionId}' not found`;

export const requestNotFoundMessage = (requestId: string): string =>
  `Cannot close REQUEST '${requestId}': no REQUEST contract with that id exists`;

export const requestAlreadyClosedMessage = (requestId: string, status: string): string =>
  `Cannot close REQUEST '${requestId}': it is ${status} already (a final state is never overwritten)`;

export const INVALID_CURSOR_MESSAGE = 'cursor is not valid: pass the next_cursor of a previous page unchanged';

export const retentionPassMessage = (sessions: number, contracts: number, updatedBefore: string): string =>
  `Retention: deleted ${sessions} session${sessions === 1 ? '' : 's'} (${contracts} contract${contracts === 1 ? '' : 's'}) last updated before ${updatedBefore}`;

export const retentionFailedMessage = (cause: unknown): string =>
  `Retention pass failed (retried at the next pass): ${cause instanceof Error ? cause.message : String(cause)}`;
