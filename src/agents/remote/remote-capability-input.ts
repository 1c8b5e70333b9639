import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { acceptAnyParameters, parameterTypesOf } from '../capability-input.js';
import type { InputValidation, RegisteredCapability } from '../interfaces/registered-agent.interface.js';
import type { RemoteCapabilityRegistration } from './remote-agent-registration.js';

/** An `input_schema` that ajv cannot compile. */
export class InvalidInputSchemaError extends Error {
  constructor(
    readonly capability: string,
    reason: string,
  ) {
    super(reason);
    this.name = 'InvalidInputSchemaError';
  }
}

/**
 * A JSON Pointer (`/a/b~1c`) as the dotted path the local validators use (`a.b/c`), array indexes as
 * `[n]`.
 */
function dottedPath(pointer: string): string {
  if (!pointer) return '';
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`))
    .join('');
}

/** An ajv error in the words of the local validators: `parameters.x must be number`. */
export function describeSchemaError(error: ErrorObject): string {
  const at = `parameters${dottedPath(error.instancePath)}`;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
    return `${at}${dottedPath(`/${params.missingProperty}`)} is required`;
  }
  if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    return `${at}${dottedPath(`/${params.additionalProperty}`)} is not allowed`;
  }
  const allowed =
    error.keyword === 'enum' && Array.isArray(params.allowedValues)
      ? `: ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`
      : '';
  return `${at} ${error.message ?? `fails ${error.keyword}`}${allowed}`;
}

function validatorOf(validate: ValidateFunction | null): (parameters: Record<string, unknown>) => Promise<InputValidation> {
  if (!validate) return acceptAnyParameters;
  return async (parameters) => {
    let valid: boolean;
    try {
      valid = validate(parameters) as boolean;
    } catch (error) {
      // A recursive schema on deeply nested parameters can exhaust the stack.
      return {
        ok: false,
        errors: [`parameters could not be validated: ${error instanceof RangeError ? 'nested too deeply' : String(error)}`],
      };
    }
    if (valid) return { ok: true, value: parameters };
    const errors = (validate.errors ?? []).map(describeSchemaError);
    return { ok: false, errors: errors.length ? [...new Set(errors)] : ['parameters do not match the input_schema'] };
  };
}

/**
 * The registry's view of a remote agent's capabilities. Each `input_schema` is compiled once, here;
 * a capability without one accepts any parameters object. Throws InvalidInputSchemaError for a schema
 * ajv rejects (invalid keywords, unresolvable `$ref`, bad `pattern`, nesting too deep…).
 */
export function compileRemoteCapabilities(capabilities: readonly RemoteCapabilityRegistration[]): Map<string, RegisteredCapability> {
  // One instance per agent, dropped with its definition. Schemas are not added by their `$id`, so that
  // two capabilities (or two versions of one) may carry the same `$id`. Remote references are never
  // fetched: a `$ref` ajv cannot resolve locally is an invalid schema.
  const ajv = new Ajv({ allErrors: true, strict: false, logger: false, addUsedSchema: false });
  const compiled = new Map<string, RegisteredCapability>();
  for (const capability of capabilities) {
    const schema = capability.input_schema;
    let validate: ValidateFunction | null = null;
    if (schema !== undefined && Object.keys(schema).length > 0) {
      try {
        validate = ajv.compile(schema);
      } catch (error) {
        const reason = error instanceof RangeError ? 'it is nested too deeply' : error instanceof Error ? error.message : String(error);
        throw new InvalidInputSchemaError(capability.name, reason);
      }
      // An `$async` schema validates through a promise; parameters are checked synchronously here.
      if ((validate as { $async?: boolean }).$async)
        throw new InvalidInputSchemaError(capability.name, '"$async" schemas are not supported');
    }
    compiled.set(capability.name, {
      name: capability.name,
      description: capability.description,
      parameters: capability.parameters ?? parameterTypesOf(schema ?? {}),
      input_schema: schema ?? {},
      validate: validatorOf(validate),
      resumable: true,
    });
  }
  return compiled;
}
