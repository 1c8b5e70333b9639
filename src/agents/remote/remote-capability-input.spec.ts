import { compileRemoteCapabilities, describeSchemaError, InvalidInputSchemaError } from './remote-capability-input.js';

describe('compileRemoteCapabilities', () => {
  const schema = {
    type: 'object',
    properties: {
      text: { type: 'string', minLength: 1 },
      mode: { enum: ['fast', 'slow'] },
      tags: { type: 'array', items: { type: 'string' } },
      nested: { type: 'object', properties: { 'a/b': { type: 'number' } } },
    },
    required: ['text'],
    additionalProperties: false,
  };

  it('without a schema: accepts any parameters object as it is, shows {} and the registered parameters', async () => {
    const caps = compileRemoteCapabilities([{ name: 'free', description: 'd', parameters: { x: 'string' } }]);
    const free = caps.get('free')!;
    expect(free).toMatchObject({ name: 'free', description: 'd', parameters: { x: 'string' }, input_schema: {} });
    const parameters = { anything: [1, { deep: true }] };
    await expect(free.validate(parameters)).resolves.toEqual({ ok: true, value: parameters });
  });

  it('with a schema: derives parameters from its properties and validates, with errors in the local style', async () => {
    const typed = compileRemoteCapabilities([{ name: 'typed', description: '', input_schema: schema }]).get('typed')!;
    expect(typed.parameters).toEqual({ text: 'string', mode: 'any', tags: 'array', nested: 'object' });
    expect(typed.input_schema).toBe(schema);
    await expect(typed.validate({ text: 'hi', mode: 'fast' })).resolves.toEqual({ ok: true, value: { text: 'hi', mode: 'fast' } });

    const result = await typed.validate({ mode: 'medium', tags: ['a', 2], nested: { 'a/b': 'x' }, extra: 1 });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toEqual(
      expect.arrayContaining([
        'parameters.text is required',
        'parameters.extra is not allowed',
        'parameters.mode must be equal to one of the allowed values: "fast", "slow"',
        'parameters.tags[1] must be string',
        'parameters.nested.a/b must be number',
      ]),
    );
  });

  it('registered parameters win over the derived ones', () => {
    const caps = compileRemoteCapabilities([{ name: 'c', description: '', parameters: { text: 'text' }, input_schema: schema }]);
    expect(caps.get('c')!.parameters).toEqual({ text: 'text' });
  });

  it('two capabilities may carry the same $id', () => {
    const withId = { $id: 'https://example.com/input.json', type: 'object' };
    expect(() =>
      compileRemoteCapabilities([
        { name: 'a', description: '', input_schema: withId },
        { name: 'b', description: '', input_schema: { ...withId } },
      ]),
    ).not.toThrow();
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['an unknown type', { type: 'nope' }, /schema is invalid/],
    ['an unresolvable $ref', { $ref: 'https://example.com/s.json' }, /can't resolve reference/],
    ['a bad pattern', { type: 'string', pattern: '[' }, /Invalid regular expression/],
    ['an $async schema', { $async: true, type: 'object' }, /"\$async" schemas are not supported/],
  ])('throws InvalidInputSchemaError naming the capability for %s', (_, input_schema, reason) => {
    let thrown: unknown;
    try {
      compileRemoteCapabilities([
        { name: 'ok', description: '' },
        { name: 'bad', description: '', input_schema },
      ]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidInputSchemaError);
    expect(thrown).toMatchObject({ capability: 'bad', message: expect.stringMatching(reason) });
  });

  it('parameters too deep for a recursive schema are a validation error, not a throw', async () => {
    const recursive = { $defs: { node: { type: 'object', properties: { next: { $ref: '#/$defs/node' } } } }, $ref: '#/$defs/node' };
    const cap = compileRemoteCapabilities([{ name: 'r', description: '', input_schema: recursive }]).get('r')!;
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) deep = { next: deep };
    const result = await cap.validate(deep);
    expect(result).toEqual({ ok: false, errors: ['parameters could not be validated: nested too deeply'] });
  });

  it('describeSchemaError at the root', () => {
    expect(
      describeSchemaError({
        instancePath: '',
        schemaPath: '#/type',
        keyword: 'type',
        params: { type: 'object' },
        message: 'must be object',
      }),
    ).toBe('parameters must be object');
  });
});
