import type { Type } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import { targetConstructorToSchema } from 'class-validator-jsonschema';
import type { InputValidation, ParameterTypes } from './interfaces/registered-agent.interface.js';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, { type?: unknown; $ref?: string; items?: unknown }> };

/** JSON Schema of a class-validator DTO (`{}` without one). */
export function inputSchemaOf(input: Type<object> | undefined): Record<string, unknown> {
  if (!input) return {};
  return targetConstructorToSchema(input) as Record<string, unknown>;
}

/** The flat `field → type name` map the Python service showed as a capability's `parameters`. */
export function parameterTypesOf(schema: Record<string, unknown>): ParameterTypes {
  const properties = (schema as JsonSchema).properties ?? {};
  const types: ParameterTypes = {};
  for (const [field, property] of Object.entries(properties)) {
    const type = property.type;
    types[field] = typeof type === 'string' ? type : Array.isArray(type) ? type.join('|') : property.$ref ? 'object' : 'any';
  }
  return types;
}

function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => (prefix ? message.replace(error.property, path) : message));
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

/** The validator of a capability that takes any parameters object as it is. */
export const acceptAnyParameters = async (parameters: Record<string, unknown>): Promise<InputValidation> => ({
  ok: true,
  value: parameters,
});

/** Validates parameters against a DTO; the value handed to the agent is the DTO instance. */
export function inputValidatorOf(input: Type<object> | undefined): (parameters: Record<string, unknown>) => Promise<InputValidation> {
  if (!input) return acceptAnyParameters;
  return async (parameters) => {
    const value = plainToInstance(input, parameters);
    const errors = await validate(value, { forbidUnknownValues: false });
    return errors.length ? { ok: false, errors: flatten(errors).map((e) => `parameters.${e}`) } : { ok: true, value };
  };
}
