import type { PinoLogger } from 'nestjs-pino';
import { TaskLifecycle, type TaskFinishedEvent } from '../../orchestrator/task-lifecycle.js';
import { CapturedLines } from '../testing/captured-lines.js';
import { createRootLogger } from './root-logger.js';
import { TaskLogListener } from './task-log.listener.js';

const finished = (over: Partial<TaskFinishedEvent> = {}): TaskFinishedEvent => ({
  task_id: 'T1',
  session_id: 's1',
  capability: 'echo',
  agent_id: 'agent_a',
  status: 'completed',
  error: null,
  duration_ms: 12,
  attempts: 1,
  ...over,
});

function setUp(level: 'info' | 'warn' | 'error') {
  const out = new CapturedLines();
  const logger = createRootLogger({ level, format: 'json' }, out);
  const lifecycle = new TaskLifecycle();
  const listener = new TaskLogListener(lifecycle, { logger } as unknown as PinoLogger);
  listener.onModuleInit();
  return { out, lifecycle, listener };
}

describe('TaskLogListener', () => {
  it('writes a line when an attempt starts and when the task ends', () => {
    const { out, lifecycle } = setUp('info');
    lifecycle.started({ task_id: 'T1', session_id: 's1', capability: 'echo', agent_id: 'agent_a', attempt: 1 });
    lifecycle.finished(finished());
    expect(out.lines()).toEqual([
      expect.objectContaining({
        level: 'info',
        event: 'task_started',
        task_id: 'T1',
        session_id: 's1',
        capability: 'echo',
        agent_id: 'agent_a',
        attempt: 1,
        msg: 'task started',
      }),
      expect.objectContaining({
        level: 'info',
        event: 'task_finished',
        session_id: 's1',
        capability: 'echo',
        agent_id: 'agent_a',
        outcome: 'completed',
        duration_ms: 12,
        attempts: 1,
        msg: 'task completed',
      }),
    ]);
    expect(out.lines()[1]).not.toHaveProperty('error');
  });

  it('a failed task is a warning with its error (truncated), a cancelled one is info', () => {
    const { out, lifecycle } = setUp('info');
    lifecycle.finished(finished({ status: 'failed', error: 'x'.repeat(2000) }));
    lifecycle.finished(finished({ status: 'cancelled', error: 'cancelled by the caller' }));
    const [failed, cancelled] = out.lines();
    expect(failed).toMatchObject({ level: 'warn', outcome: 'failed', msg: 'task failed' });
    expect((failed.error as string).length).toBe(500);
    expect(cancelled).toMatchObject({ level: 'info', outcome: 'cancelled', error: 'cancelled by the caller' });
  });

  it('writes nothing below the level, and stops when the module is destroyed', () => {
    const quiet = setUp('error');
    quiet.lifecycle.started({ task_id: 'T1', session_id: 's1', capability: 'echo', agent_id: 'a', attempt: 1 });
    quiet.lifecycle.finished(finished({ status: 'failed', error: 'boom' }));
    expect(quiet.out.raw()).toBe('');

    const { out, lifecycle, listener } = setUp('info');
    listener.onModuleDestroy();
    lifecycle.finished(finished());
    expect(out.raw()).toBe('');
  });
});
