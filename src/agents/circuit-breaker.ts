import { BREAKER_FAILURE_THRESHOLD } from './agents.constants.js';
import type { AgentState, SlotOutcome } from './interfaces/registered-agent.interface.js';

/**
 * The circuit breaker of each agent, kept in the agent's state: BREAKER_FAILURE_THRESHOLD transport
 * errors in a row open it; once `cooldownMs` has passed it lets one trial attempt through (half open);
 * a failed trial opens it again, and any answer closes it. An attempt interrupted on the
 * orchestrator's side leaves it as it is.
 */
export class CircuitBreaker {
  /** The breaker's part of a new agent's state. */
  static readonly CLOSED = {
    consecutive_failures: 0,
    breaker_opened_at: null,
    trial_in_flight: false,
  } as const satisfies Partial<AgentState>;

  constructor(private readonly cooldownMs: number) {}

  /** Whether the breaker lets an attempt through now: closed, or cooled down with no trial running. */
  allows(state: AgentState, now: number): boolean {
    if (state.breaker_opened_at === null) return true;
    return this.cooledDown(state, now) && !state.trial_in_flight;
  }

  /** Open and still cooling down: the agent shows as `error`. */
  isOpen(state: AgentState, now: number): boolean {
    return state.breaker_opened_at !== null && !this.cooledDown(state, now);
  }

  /** An attempt starts on the agent; while the breaker is open it is the trial. */
  attemptStarted(state: AgentState): void {
    if (state.breaker_opened_at !== null) state.trial_in_flight = true;
  }

  /** Records how the attempt that held a slot ended. */
  attemptEnded(state: AgentState, outcome: SlotOutcome, now: number): void {
    const trial = state.trial_in_flight;
    state.trial_in_flight = false;
    if (outcome === 'unused' || outcome === 'interrupted') return;
    if (outcome === 'transport_error') {
      state.consecutive_failures += 1;
      if (trial || state.consecutive_failures >= BREAKER_FAILURE_THRESHOLD) state.breaker_opened_at = now;
    } else {
      state.consecutive_failures = 0;
      state.breaker_opened_at = null;
    }
  }

  private cooledDown(state: AgentState, now: number): boolean {
    return now - state.breaker_opened_at! >= this.cooldownMs;
  }
}
