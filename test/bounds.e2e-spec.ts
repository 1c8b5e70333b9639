import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { Agent, Capability, type TaskContext } from '../src/agents/index.js';
import type { DelegationResult } from '../src/agents/interfaces/task-context.interface.js';
import { runServerProcessUntilExit } from './utils/server-process.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

/** Delegates what its parameters say: a capability `count` times in a row, or one named capability. */
@Injectable()
@Agent({ id: 'agent_fanout', name: 'Fan-out Agent' })
class FanOutAgent {
  @Capability({ name: 'fanout.repeat', description: 'Delegates `capability` `count` times, one after the other' })
  async repeat(input: { capability: string; count: number }, ctx: TaskContext) {
    const results: DelegationResult[] = [];
    for (let i = 0; i < input.count; i++) results.push(await ctx.delegate(input.capability, { text: `call ${i}` }));
    return { results: results.map((r) => ({ success: r.success, error: r.error })) };
  }
}

/** Label values of every sample in a Prometheus text exposition. */
function labelValues(text: string): Set<string> {
  const values = new Set<string>();
  for (const [, value] of text.matchAll(/[a-zA-Z_][a-zA-Z0-9_]*="((?:[^"\\]|\\.)*)"/g)) values.add(value);
  return values;
}

describe('Bounded cardinality: metric labels and sub-tasks per task (issue 11 §7)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ providers: [FanOutAgent], env: { TASK_TIMEOUT_MS: '60000' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('capability names a caller makes up never become metric label values', async () => {
    const made = Array.from({ length: 40 }, () => `made.up.${randomBytes(6).toString('hex')}`);
    for (const [i, capability] of made.entries()) {
      // Straight to /v1/orchestrate: 404, no agent has it.
      await request(t.server)
        .post('/v1/orchestrate')
        .send({ session_id: `labels_${i}`, capability, parameters: {} })
        .expect(404);
      // Through a delegation: a refused sub-task is recorded (and counted) as failed.
      const res = await request(t.server)
        .post('/v1/orchestrate')
        .send({ session_id: `labels_${i}`, capability: 'fanout.repeat', parameters: { capability, count: 1 } })
        .expect(200);
      expect(res.body.data.results).toEqual([{ success: false, error: `No agent provides capability '${capability}'` }]);
    }
    const text = (await request(t.server).get('/metrics').expect(200)).text;
    const values = labelValues(text);
    for (const capability of made) expect(values.has(capability)).toBe(false);
    expect(text).toMatch(/orchestrator_tasks_total\{capability="unknown",agent="orchestrator",outcome="failed"\} 40\b/);
    expect(text).toMatch(/orchestrator_tasks_total\{capability="fanout.repeat",agent="agent_fanout",outcome="completed"\} 40\b/);
  });

  it('one task starts at most DELEGATION_MAX_CHILDREN (100) sub-tasks; the next one is a failed sub-task', async () => {
    const res = await request(t.server)
      .post('/v1/orchestrate')
      .send({ session_id: 'children_1', capability: 'fanout.repeat', parameters: { capability: 'echo', count: 101 } })
      .expect(200);
    const results = res.body.data.results as Array<{ success: boolean; error: string | null }>;
    expect(results).toHaveLength(101);
    expect(results.slice(0, 100).every((r) => r.success)).toBe(true);
    expect(results[100]).toEqual({
      success: false,
      error: "Delegation limit (DELEGATION_MAX_CHILDREN=100) reached: a task of capability 'fanout.repeat' may start at most 100 sub-tasks",
    });
    const tree = (await request(t.server).get(`/v1/contracts/${res.body.contract_id}/tree`).expect(200)).body;
    expect(tree.subtasks).toHaveLength(101);
    expect(tree.subtasks[100]).toMatchObject({ capability: 'echo', status: 'failed', to_agent: 'orchestrator' });
  });

  it.each(['-1', 'many', '2.5'])('DELEGATION_MAX_CHILDREN=%s stops start-up with a message naming it', async (value) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'orchestrator-bounds-'));
    try {
      const run = await runServerProcessUntilExit({
        DATA_DIR: dataDir,
        TRACE_URL: undefined,
        MEMAGENT_URL: undefined,
        DELEGATION_MAX_CHILDREN: value,
      });
      expect(run.listened).toBe(false);
      expect(run.code).not.toBe(0);
      expect(run.code).not.toBeNull();
      expect(run.output).toContain('DELEGATION_MAX_CHILDREN');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
