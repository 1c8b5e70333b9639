import { CircuitBreaker } from './circuit-breaker.js';
import type { AgentState } from './interfaces/registered-agent.interface.js';

const fresh = (): AgentState => ({
  status: 'available',
  in_flight: 0,
  registered_at: '',
  last_heartbeat: null,
  tasks_completed: 0,
  tasks_failed: 0,
  ...CircuitBreaker.CLOSED,
});

describe('CircuitBreaker', () => {
  const cooldownMs = 1000;
  const t0 = 1_000_000;
  const breaker = new CircuitBreaker(cooldownMs);
  const fail = (state: AgentState, now = t0) => {
    breaker.attemptStarted(state);
    breaker.attemptEnded(state, 'transport_error', now);
  };

  it('opens after 5 transport errors in a row and shows open until the cooldown has passed', () => {
    const state = fresh();
    for (let i = 0; i < 4; i++) fail(state);
    expect(breaker.allows(state, t0)).toBe(true);
    fail(state);
    expect(state.breaker_opened_at).toBe(t0);
    expect(breaker.isOpen(state, t0 + cooldownMs - 1)).toBe(true);
    expect(breaker.allows(state, t0 + cooldownMs - 1)).toBe(false);
    expect(breaker.isOpen(state, t0 + cooldownMs)).toBe(false);
  });

  it('lets one trial through once cooled down; a failed trial opens it again, an answer closes it', () => {
    const state = fresh();
    for (let i = 0; i < 5; i++) fail(state);
    expect(breaker.allows(state, t0 + cooldownMs)).toBe(true);
    breaker.attemptStarted(state);
    expect(state.trial_in_flight).toBe(true);
    expect(breaker.allows(state, t0 + cooldownMs)).toBe(false);
    breaker.attemptEnded(state, 'transport_error', t0 + cooldownMs);
    expect(breaker.allows(state, t0 + 2 * cooldownMs - 1)).toBe(false);
    breaker.attemptStarted(state);
    breaker.attemptEnded(state, 'failed', t0 + 2 * cooldownMs);
    expect(state).toMatchObject(CircuitBreaker.CLOSED);
  });

  it.each(['unused', 'interrupted'] as const)('a slot given back %s changes nothing but the trial mark', (outcome) => {
    const state = fresh();
    for (let i = 0; i < 5; i++) fail(state);
    breaker.attemptStarted(state);
    breaker.attemptEnded(state, outcome, t0 + cooldownMs);
    expect(state).toMatchObject({ consecutive_failures: 5, breaker_opened_at: t0, trial_in_flight: false });
  });

  it('an attempt interrupted on our side (cancelled, shut down, no connection) neither counts nor ends a run of failures', () => {
    const state = fresh();
    for (let i = 0; i < 4; i++) fail(state);
    for (let i = 0; i < 10; i++) {
      breaker.attemptStarted(state);
      breaker.attemptEnded(state, 'interrupted', t0);
    }
    expect(state).toMatchObject({ consecutive_failures: 4, breaker_opened_at: null });
    fail(state);
    expect(state.breaker_opened_at).toBe(t0);
  });
});
