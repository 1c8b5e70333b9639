import { a2aMethodScope, a2aRestScope } from './a2a-server.constants.js';

describe('a2aMethodScope', () => {
  it('needs invoke to send and cancel, read for the rest (v1.0 and v0.3 names)', () => {
    for (const method of ['SendMessage', 'SendStreamingMessage', 'CancelTask', 'message/send', 'message/stream', 'tasks/cancel']) {
      expect(a2aMethodScope(method)).toBe('invoke');
    }
    for (const method of [
      'GetTask',
      'ListTasks',
      'SubscribeToTask',
      'tasks/get',
      'tasks/resubscribe',
      'nonsense',
      undefined,
      42,
      'toString',
    ]) {
      expect(a2aMethodScope(method)).toBe('read');
    }
  });
});

describe('a2aRestScope', () => {
  it('needs invoke to send, stream, cancel and change push configs; read for the rest', () => {
    for (const [method, path] of [
      ['POST', '/message:send'],
      ['POST', '/message:stream'],
      ['POST', '/tasks/01J:cancel'],
      ['POST', '/tasks/01J/pushNotificationConfigs'],
      ['DELETE', '/tasks/01J/pushNotificationConfigs/c1'],
      ['POST', '/v1/message:send'],
    ]) {
      expect(a2aRestScope(method, path)).toBe('invoke');
    }
    for (const [method, path] of [
      ['GET', '/tasks/01J'],
      ['GET', '/tasks'],
      ['GET', '/tasks/01J:subscribe'],
      ['POST', '/tasks/01J:subscribe'],
      ['GET', '/extendedAgentCard'],
      ['GET', '/tasks/01J/pushNotificationConfigs'],
    ]) {
      expect(a2aRestScope(method, path)).toBe('read');
    }
  });
});
