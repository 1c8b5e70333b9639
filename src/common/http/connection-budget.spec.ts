import { connectionBudgetMessage, outboundConnectionBudget, RESERVED_FILE_DESCRIPTORS } from './connection-budget.js';

const machine =
  (files: string | null, ports: string | null) =>
  (path: string): string => {
    const text = path === '/proc/self/limits' ? files : ports;
    if (text === null) throw new Error(`ENOENT: ${path}`);
    return text;
  };

const limits = (soft: string, hard = soft) =>
  `Limit                     Soft Limit           Hard Limit           Units     \n` +
  `Max processes             94000                94000                processes \n` +
  `Max open files            ${soft}                ${hard}                files     \n`;

describe('outboundConnectionBudget', () => {
  it('the open-file limit less a quarter, at most RESERVED_FILE_DESCRIPTORS, kept for the rest of the process', () => {
    expect(outboundConnectionBudget(machine(limits('20000'), '32768\t60999\n'))).toEqual({
      limit: 20000 - RESERVED_FILE_DESCRIPTORS,
      boundBy: 'file descriptors (ulimit -n 20000)',
    });
    expect(outboundConnectionBudget(machine(limits('1000'), '32768 60999')).limit).toBe(750);
  });

  it('the ephemeral port range when it is the smaller bound', () => {
    expect(outboundConnectionBudget(machine(limits('1048576'), '50000 50999'))).toEqual({
      limit: 1000,
      boundBy: 'local ports (net.ipv4.ip_local_port_range: 1000 ports)',
    });
  });

  it('no bound where the machine says nothing (unlimited, unreadable)', () => {
    expect(outboundConnectionBudget(machine(null, null)).limit).toBeNull();
    expect(outboundConnectionBudget(machine(limits('unlimited'), null)).limit).toBeNull();
    expect(outboundConnectionBudget(machine(null, '1024 1123')).limit).toBe(100);
  });

  it('says at start-up what bounds the calls in flight', () => {
    expect(connectionBudgetMessage({ limit: 750, boundBy: 'file descriptors (ulimit -n 1000)' })).toBe(
      "Calls to agents in flight at once: at most 750, bound by file descriptors (ulimit -n 1000); an agent's max_concurrency above it is lowered to it",
    );
    expect(connectionBudgetMessage({ limit: null, boundBy: 'nothing this process can read' })).toContain('only by each agent');
  });
});
