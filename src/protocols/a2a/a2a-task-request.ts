import type { Message } from '@a2a-js/sdk';
import { isPlainObject } from '../../common/validation/plain-object.js';
import { A2aServerMessages } from './a2a-server.messages.js';

/** What an A2A message asks the orchestrator to run. */
export interface A2aTaskRequest {
  capability: string;
  parameters: Record<string, unknown>;
  context?: Record<string, unknown>;
}

/** Thrown for a message that names no capability (or names it badly); the handler answers invalid params. */
export class A2aTaskRequestError extends Error {}

/**
 * Reads the capability and parameters of a message: a data part `{capability, parameters?, context?}`;
 * else message metadata `capability` with the data parts (objects, merged in order) as parameters;
 * else, for a message with text only, `defaultCapability` with `{text}` (the text parts joined by a
 * newline). Throws A2aTaskRequestError otherwise.
 */
export function readA2aTaskRequest(message: Message, defaultCapability: string | undefined): A2aTaskRequest {
  const data: unknown[] = [];
  const texts: string[] = [];
  for (const part of message.parts ?? []) {
    if (part.content?.$case === 'data') data.push(part.content.value);
    else if (part.content?.$case === 'text') texts.push(part.content.value);
  }

  const named = data.find((value) => isPlainObject(value) && 'capability' in value) as Record<string, unknown> | undefined;
  if (named) {
    const { capability, parameters = {}, context } = named;
    if (typeof capability !== 'string' || capability === '') throw new A2aTaskRequestError(A2aServerMessages.badCapability(capability));
    if (!isPlainObject(parameters)) throw new A2aTaskRequestError(A2aServerMessages.badParameters());
    if (context !== undefined && !isPlainObject(context)) throw new A2aTaskRequestError(A2aServerMessages.badContext());
    return { capability, parameters, ...(context === undefined ? {} : { context }) };
  }

  const fromMetadata: unknown = message.metadata?.capability;
  if (fromMetadata !== undefined) {
    if (typeof fromMetadata !== 'string' || fromMetadata === '')
      throw new A2aTaskRequestError(A2aServerMessages.badCapability(fromMetadata));
    if (data.some((value) => !isPlainObject(value))) throw new A2aTaskRequestError(A2aServerMessages.badParameters());
    return { capability: fromMetadata, parameters: Object.assign({}, ...(data as Record<string, unknown>[])) as Record<string, unknown> };
  }

  if (data.length === 0 && texts.length > 0 && defaultCapability !== undefined) {
    return { capability: defaultCapability, parameters: { text: texts.join('\n') } };
  }
  throw new A2aTaskRequestError(A2aServerMessages.noCapability(defaultCapability !== undefined));
}
