import 'reflect-metadata';
import { BadRequestException, ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { IsString } from 'class-validator';
import { FastPathValidationPipe, isUntouchedJsonObject, ValidatesFast, VALIDATION_OPTIONS } from './fast-path-validation.pipe.js';

let fastCalls = 0;
let lastFastDto: NamedDto | undefined;

@ValidatesFast((value: unknown) => {
  fastCalls += 1;
  if (!isUntouchedJsonObject(value) || typeof value.name !== 'string' || value.name.startsWith('slow')) return undefined;
  lastFastDto = new NamedDto();
  lastFastDto.name = value.name;
  return lastFastDto;
})
class NamedDto {
  @IsString()
  name!: string;
}

class PlainDto {
  @IsString()
  name!: string;
}

const body = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'body', metatype, data: '' });

describe('FastPathValidationPipe', () => {
  const pipe = new FastPathValidationPipe();

  beforeEach(() => {
    fastCalls = 0;
  });

  it("answers with the DTO's fast path when it accepts the body", async () => {
    const dto = await pipe.transform({ name: 'a', extra: 1 }, body(NamedDto));
    expect(dto).toBeInstanceOf(NamedDto);
    expect(dto).toEqual({ name: 'a' });
    expect(fastCalls).toBe(1);
    // The very object the fast path built, not a second one from class-validator.
    expect(dto).toBe(lastFastDto);
  });

  it('validates with class-validator when the fast path declines, with its messages', async () => {
    const dto = await pipe.transform({ name: 'slow one', extra: 1 }, body(NamedDto));
    expect(dto).toBeInstanceOf(NamedDto);
    expect(dto).toEqual({ name: 'slow one' });

    const refused = pipe.transform({ name: 3 }, body(NamedDto));
    await expect(refused).rejects.toBeInstanceOf(BadRequestException);
    const expected = await new ValidationPipe(VALIDATION_OPTIONS)
      .transform({ name: 3 }, body(NamedDto))
      .catch((error: BadRequestException) => error.getResponse());
    await expect(refused.catch((error: BadRequestException) => error.getResponse())).resolves.toEqual(expected);
    expect(fastCalls).toBe(2);
  });

  it('leaves DTOs without a fast path, and values other than bodies, to class-validator', async () => {
    await expect(pipe.transform({ name: 'a', extra: 1 }, body(PlainDto))).resolves.toEqual({ name: 'a' });
    await expect(pipe.transform({ name: 'a' }, { type: 'query', metatype: NamedDto, data: '' })).resolves.toBeInstanceOf(NamedDto);
    expect(fastCalls).toBe(0);
  });
});

describe('isUntouchedJsonObject', () => {
  it('accepts what JSON.parse makes of an object', () => {
    expect(isUntouchedJsonObject({})).toBe(true);
    expect(isUntouchedJsonObject(JSON.parse('{"a":[1,"x",null,true,{"b":{"c":[]}}],"d":{}}'))).toBe(true);
  });

  it('turns away non-objects, arrays and objects that are not plain', () => {
    for (const value of [null, undefined, 1, 'x', [], [{}], new Date(), Object.create(null), new Map(), () => 1]) {
      expect(isUntouchedJsonObject(value)).toBe(false);
    }
    expect(isUntouchedJsonObject({ a: { b: Object.create(null) } })).toBe(false);
    expect(isUntouchedJsonObject({ a: [new Uint8Array(2)] })).toBe(false);
    expect(isUntouchedJsonObject({ a: 1n })).toBe(false);
    // eslint-disable-next-line no-sparse-arrays
    expect(isUntouchedJsonObject({ a: [1, , 3] })).toBe(false);
  });

  it('turns away the keys ValidationPipe strips, at any depth', () => {
    for (const key of ['__proto__', 'prototype', 'constructor']) {
      expect(isUntouchedJsonObject(JSON.parse(`{"${key}":{"x":1}}`))).toBe(false);
      expect(isUntouchedJsonObject(JSON.parse(`{"a":[{"b":{"${key}":1}}]}`))).toBe(false);
    }
  });
});
