import { Role, type Artifact, type Message, type Part } from '@a2a-js/sdk';
import { toResultData } from './a2a-result.js';

const part = (content: Part['content'], extra: Partial<Part> = {}): Part => ({
  content,
  metadata: undefined,
  filename: '',
  mediaType: '',
  ...extra,
});
const text = (value: string) => part({ $case: 'text', value });
const data = (value: unknown) => part({ $case: 'data', value });
const artifact = (artifactId: string, parts: Part[]): Artifact => ({
  artifactId,
  name: artifactId,
  description: '',
  parts,
  metadata: undefined,
  extensions: [],
});
const message = (parts: Part[]): Message => ({
  messageId: 'm1',
  contextId: 'c1',
  taskId: 't1',
  role: Role.ROLE_AGENT,
  parts,
  metadata: undefined,
  extensions: [],
  referenceTaskIds: [],
});

describe('A2A result data', () => {
  it('joins text parts and merges object data parts of all artifacts, in order', () => {
    const result = toResultData({
      artifacts: [
        artifact('a', [text('one'), data({ x: 1, y: 1 })]),
        artifact('b', [data([1, 2]), data('scalar'), text('two'), data({ y: 2 })]),
      ],
      message: message([text('done')]),
      taskId: 't1',
      contextId: 'c1',
      state: 'completed',
    });
    expect(result.text).toBe('one\ntwo');
    expect(result.data).toEqual({ x: 1, y: 2 });
    expect(result.artifacts[1]!.parts).toEqual([
      { kind: 'data', data: [1, 2] },
      { kind: 'data', data: 'scalar' },
      { kind: 'text', text: 'two' },
      { kind: 'data', data: { y: 2 } },
    ]);
    expect(result.message).toEqual([{ kind: 'text', text: 'done' }]);
    expect(result.a2a).toEqual({ task_id: 't1', context_id: 'c1', state: 'completed' });
  });

  it('takes text and data from the final message when there is no artifact', () => {
    const result = toResultData({
      artifacts: [],
      message: message([text('hi'), data({ ok: true })]),
      taskId: null,
      contextId: 'c1',
      state: 'message',
    });
    expect(result).toMatchObject({ text: 'hi', data: { ok: true }, artifacts: [] });
  });

  it('has null text and data when there is neither', () => {
    expect(toResultData({ artifacts: [], message: undefined, taskId: 't', contextId: null, state: 'completed' })).toMatchObject({
      text: null,
      data: null,
      message: null,
    });
  });

  it('keeps files as a URL or base64 bytes', () => {
    const result = toResultData({
      artifacts: [
        artifact('f', [
          part({ $case: 'url', value: 'https://files.test/report.pdf' }, { mediaType: 'application/pdf', filename: 'report.pdf' }),
          part({ $case: 'raw', value: Buffer.from('hello') }, { mediaType: 'text/plain' }),
        ]),
      ],
      message: null,
      taskId: 't',
      contextId: 'c',
      state: 'completed',
    });
    expect(result.artifacts[0]!.parts).toEqual([
      { kind: 'file', url: 'https://files.test/report.pdf', bytes: null, media_type: 'application/pdf', filename: 'report.pdf' },
      { kind: 'file', url: null, bytes: 'aGVsbG8=', media_type: 'text/plain', filename: null },
    ]);
    expect(result.text).toBeNull();
  });
});
