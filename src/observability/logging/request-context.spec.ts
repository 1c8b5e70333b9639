import { CapturedLines } from '../testing/captured-lines.js';
import { requestContext } from './request-context.js';
import { createRootLogger } from './root-logger.js';

describe('requestContext', () => {
  it('a line written while a request is handled carries req {id, method, url}; one written outside does not', async () => {
    const out = new CapturedLines();
    const logger = createRootLogger({ level: 'info', format: 'json' }, out);
    await requestContext.run({ id: 'req-1', method: 'POST', url: '/v1/orchestrate' }, async () => {
      await Promise.resolve();
      logger.info({ task_id: 't1' }, 'inside');
    });
    logger.info({ task_id: 't2' }, 'outside');
    const lines = out.lines();
    expect(lines[0]).toMatchObject({ msg: 'inside', task_id: 't1', req: { id: 'req-1', method: 'POST', url: '/v1/orchestrate' } });
    expect(Object.keys(lines[0].req as object).sort()).toEqual(['id', 'method', 'url']);
    expect(lines[1]).toMatchObject({ msg: 'outside', task_id: 't2' });
    expect(lines[1]).not.toHaveProperty('req');
  });
});
