import { Role, type Message, type Part } from '@a2a-js/sdk';
import { A2aTaskRequestError, readA2aTaskRequest } from './a2a-task-request.js';

const data = (value: unknown): Part => ({
  content: { $case: 'data', value },
  metadata: undefined,
  filename: '',
  mediaType: 'application/json',
});
const text = (value: string): Part => ({ content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType: 'text/plain' });

function message(parts: Part[], metadata?: Record<string, unknown>): Message {
  return { messageId: 'm', contextId: '', taskId: '', role: Role.ROLE_USER, parts, metadata, extensions: [], referenceTaskIds: [] };
}

describe('readA2aTaskRequest', () => {
  it('reads {capability, parameters, context} from a data part, whatever else the message holds', () => {
    const request = readA2aTaskRequest(
      message([text('hi'), data({ capability: 'echo', parameters: { text: 'x' }, context: { a: 1 } })]),
      undefined,
    );
    expect(request).toEqual({ capability: 'echo', parameters: { text: 'x' }, context: { a: 1 } });
    expect(readA2aTaskRequest(message([data({ capability: 'echo' })]), undefined)).toEqual({ capability: 'echo', parameters: {} });
  });

  it('takes the capability from metadata and merges the data parts as parameters', () => {
    const request = readA2aTaskRequest(message([data({ a: 1 }), data({ b: 2, a: 3 })], { capability: 'math.compute' }), undefined);
    expect(request).toEqual({ capability: 'math.compute', parameters: { a: 3, b: 2 } });
  });

  it('sends a text-only message to the default capability, else refuses it', () => {
    expect(readA2aTaskRequest(message([text('one'), text('two')]), 'echo')).toEqual({
      capability: 'echo',
      parameters: { text: 'one\ntwo' },
    });
    expect(() => readA2aTaskRequest(message([text('one')]), undefined)).toThrow(/A2A_DEFAULT_CAPABILITY is not set/);
    expect(() => readA2aTaskRequest(message([]), 'echo')).toThrow(A2aTaskRequestError);
  });

  it.each([
    [[data({ capability: 42 })], undefined],
    [[data({ capability: 'echo', parameters: [1] })], undefined],
    [[data({ capability: 'echo', context: 'x' })], undefined],
    [[data([1, 2])], { capability: 'echo' }],
    [[], { capability: '' }],
  ])('refuses a badly named capability or parameters (%#)', (parts, metadata) => {
    expect(() => readA2aTaskRequest(message(parts, metadata), 'echo')).toThrow(A2aTaskRequestError);
  });
});
