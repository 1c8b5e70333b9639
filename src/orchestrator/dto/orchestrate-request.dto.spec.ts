import 'reflect-metadata';
import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { VALIDATION_OPTIONS } from '../../common/validation/fast-path-validation.pipe.js';
import { OrchestrateRequestDto, orchestrateRequestFastPath } from './orchestrate-request.dto.js';

/** The app's global pipe without its fast paths: the rules as class-validator applies them. */
const classValidator = new ValidationPipe(VALIDATION_OPTIONS);
const metadata: ArgumentMetadata = { type: 'body', metatype: OrchestrateRequestDto, data: '' };

const ABSENT = Symbol('absent');
const FIELDS: Record<string, unknown[]> = {
  session_id: ['session_001', 'a', 'A.b_c:d-9', 'x'.repeat(128), 'x'.repeat(129), '', '.hidden', 'a/b', 'a b', 'ünï', 3, null, ABSENT],
  capability: ['echo', 'text.reverse', 'x'.repeat(64), 'x'.repeat(65), '😀'.repeat(32), '😀'.repeat(40), '', 5, null, ['echo'], ABSENT],
  parameters: [
    ABSENT,
    {},
    { text: 'hi' },
    { nested: { a: [1, { b: null }], t: true } },
    [],
    null,
    'x',
    { constructor: 1 },
    { a: { prototype: {} } },
    JSON.parse('{"__proto__":{"polluted":1}}'),
  ],
  context: [ABSENT, {}, { k: 'v', n: [1, 2] }, [], null, 1],
  intent: [ABSENT, 'goal', 'x'.repeat(4096), 'x'.repeat(4097), '😀'.repeat(2100), 7, null],
  extra: [ABSENT, 1, { a: 1 }],
};

function bodyOf(choice: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(choice).filter(([, value]) => value !== ABSENT));
}

/** Every value of each field with the others at their first (valid) value, then a deterministic sample of mixes. */
function bodies(): Array<Record<string, unknown>> {
  const names = Object.keys(FIELDS);
  const base = Object.fromEntries(names.map((name) => [name, FIELDS[name][0]]));
  const out = [bodyOf(base)];
  for (const name of names) for (const value of FIELDS[name]) out.push(bodyOf({ ...base, [name]: value }));
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let i = 0; i < 3000; i++) out.push(bodyOf(Object.fromEntries(names.map((name) => [name, FIELDS[name][next(FIELDS[name].length)]]))));
  return out;
}

describe('orchestrateRequestFastPath', () => {
  it('gives exactly what class-validator gives for every body it accepts, and accepts the common ones', async () => {
    let fast = 0;
    let valid = 0;
    for (const body of bodies()) {
      const json = JSON.stringify(body);
      const dto = orchestrateRequestFastPath(JSON.parse(json));
      const validated = await classValidator.transform(JSON.parse(json), metadata).then(
        (value: unknown) => ({ ok: true, value }),
        () => ({ ok: false, value: undefined }),
      );
      if (validated.ok) valid += 1;
      if (dto === undefined) continue;
      fast += 1;
      expect({ body, ok: validated.ok }).toEqual({ body, ok: true });
      expect(dto).toBeInstanceOf(OrchestrateRequestDto);
      expect(dto).toStrictEqual(validated.value);
    }
    // Many valid mixes carry a null (which @IsOptional lets through) and go the slow way; enough go fast.
    expect(valid).toBeGreaterThan(100);
    expect(fast).toBeGreaterThan(50);
  });

  it('takes the bodies callers send', () => {
    const dto = orchestrateRequestFastPath({ session_id: 's1', capability: 'echo', parameters: { text: 'hi' }, unknown_field: 1 });
    expect(dto).toBeInstanceOf(OrchestrateRequestDto);
    expect(dto).toStrictEqual(
      Object.assign(new OrchestrateRequestDto(), { session_id: 's1', capability: 'echo', parameters: { text: 'hi' } }),
    );
    expect(orchestrateRequestFastPath({ session_id: 's1', capability: 'echo', context: { k: 1 }, intent: 'goal' })).toBeInstanceOf(
      OrchestrateRequestDto,
    );
  });

  it('leaves what it is not sure of to class-validator', () => {
    for (const body of [
      undefined,
      [],
      { capability: 'echo' },
      { session_id: 's1', capability: '😀'.repeat(40) },
      { session_id: 's1', capability: 'echo', parameters: null },
      { session_id: 's1', capability: 'echo', parameters: { constructor: 1 } },
    ]) {
      expect(orchestrateRequestFastPath(body)).toBeUndefined();
    }
  });
});
