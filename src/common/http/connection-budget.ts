import { readFileSync } from 'node:fs';

/**
 * How many connections to agents this process can hold open at once, and what bounds it: each call in
 * flight holds one socket, i.e. one file descriptor (the soft `RLIMIT_NOFILE`, which Node raises to
 * the hard limit at start; `ulimit -n` moves it) and one local port towards its agent (the
 * ephemeral port range, `net.ipv4.ip_local_port_range`). A quarter of the descriptors, at most
 * RESERVED_FILE_DESCRIPTORS, stays for everything else (the store, callers' connections, Trace,
 * MemAgent, logs). `limit` null: the machine says nothing (not Linux).
 */
export interface ConnectionBudget {
  limit: number | null;
  /** What sets the limit, for logs and messages: `file descriptors (ulimit -n 20000)`. */
  boundBy: string;
}

export const RESERVED_FILE_DESCRIPTORS = 1024;

type ReadText = (path: string) => string;

const readText: ReadText = (path) => readFileSync(path, 'utf8');

/** The budget of this machine and process, read from /proc. */
export function outboundConnectionBudget(read: ReadText = readText): ConnectionBudget {
  const files = softOpenFilesLimit(read);
  const ports = ephemeralPorts(read);
  const byFiles = files === null ? null : Math.max(1, files - Math.min(RESERVED_FILE_DESCRIPTORS, Math.floor(files / 4)));
  if (byFiles === null && ports === null) return { limit: null, boundBy: 'nothing this process can read' };
  if (ports !== null && (byFiles === null || ports < byFiles)) {
    return { limit: ports, boundBy: `local ports (net.ipv4.ip_local_port_range: ${ports} ports)` };
  }
  return { limit: byFiles, boundBy: `file descriptors (ulimit -n ${files})` };
}

function softOpenFilesLimit(read: ReadText): number | null {
  try {
    const line = read('/proc/self/limits')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    return soft === undefined || soft === 'unlimited' ? null : positive(Number(soft));
  } catch {
    return null;
  }
}

function ephemeralPorts(read: ReadText): number | null {
  try {
    const [low, high] = read('/proc/sys/net/ipv4/ip_local_port_range').trim().split(/\s+/).map(Number);
    return positive(high - low + 1);
  } catch {
    return null;
  }
}

function positive(n: number): number | null {
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** The start-up line that says how many calls to agents this process can have in flight. */
export function connectionBudgetMessage(budget: ConnectionBudget): string {
  return budget.limit === null
    ? "Calls to agents in flight at once: bounded only by each agent's max_concurrency"
    : `Calls to agents in flight at once: at most ${budget.limit}, bound by ${budget.boundBy}; an agent's max_concurrency above it is lowered to it`;
}
