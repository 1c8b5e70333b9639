import type { Artifact, Message, Part } from '@a2a-js/sdk';

/** One part of an A2A message or artifact as JSON. */
export type A2aPartJson =
  | { kind: 'text'; text: string }
  | { kind: 'data'; data: unknown }
  | { kind: 'file'; url: string | null; bytes: string | null; media_type: string | null; filename: string | null };

export interface A2aArtifactJson {
  artifact_id: string;
  name: string;
  description: string;
  parts: A2aPartJson[];
}

/**
 * The result data of a task run by an A2A agent:
 * - `text`: the text parts joined with a newline (null when there is none);
 * - `data`: the data parts whose value is a JSON object, merged in order (a later key wins; null when
 *   there is none). Data parts holding an array or a scalar are only in `artifacts`/`message`;
 * - `artifacts`: every artifact of the task with all its parts (files as `url` or base64 `bytes`);
 * - `message`: the parts of the agent's final message (its reply, or the completed task's status
 *   message), or null;
 * - `a2a`: the agent's `task_id` (null for a plain message reply), `context_id`, and `state`
 *   (`completed`, or `message` for a message reply).
 *
 * `text` and `data` come from the artifacts when the task has any, otherwise from the final message.
 */
export interface A2aResultData {
  text: string | null;
  data: Record<string, unknown> | null;
  artifacts: A2aArtifactJson[];
  message: A2aPartJson[] | null;
  a2a: { task_id: string | null; context_id: string | null; state: 'completed' | 'message' };
}

export function partToJson(part: Part): A2aPartJson | null {
  const content = part.content;
  switch (content?.$case) {
    case 'text':
      return { kind: 'text', text: content.value };
    case 'data':
      return { kind: 'data', data: content.value ?? null };
    case 'url':
    case 'raw':
      return {
        kind: 'file',
        url: content.$case === 'url' ? content.value : null,
        bytes: content.$case === 'raw' ? Buffer.from(content.value).toString('base64') : null,
        media_type: part.mediaType || null,
        filename: part.filename || null,
      };
    default:
      return null;
  }
}

function partsToJson(parts: readonly Part[] | undefined): A2aPartJson[] {
  return (parts ?? []).map(partToJson).filter((part): part is A2aPartJson => part !== null);
}

/** The text of a message's text parts joined with a newline, or null. */
export function messageText(message: Message | undefined | null): string | null {
  const texts = partsToJson(message?.parts).flatMap((part) => (part.kind === 'text' ? [part.text] : []));
  return texts.length ? texts.join('\n') : null;
}

export function toResultData(outcome: {
  artifacts: readonly Artifact[];
  message: Message | null | undefined;
  taskId: string | null;
  contextId: string | null;
  state: 'completed' | 'message';
}): A2aResultData {
  const artifacts = outcome.artifacts.map((artifact) => ({
    artifact_id: artifact.artifactId,
    name: artifact.name ?? '',
    description: artifact.description ?? '',
    parts: partsToJson(artifact.parts),
  }));
  const message = outcome.message ? partsToJson(outcome.message.parts) : null;
  const source = artifacts.length ? artifacts.flatMap((artifact) => artifact.parts) : (message ?? []);

  const texts: string[] = [];
  let data: Record<string, unknown> | null = null;
  for (const part of source) {
    if (part.kind === 'text') texts.push(part.text);
    else if (part.kind === 'data' && typeof part.data === 'object' && part.data !== null && !Array.isArray(part.data)) {
      data = Object.assign(data ?? {}, part.data as Record<string, unknown>);
    }
  }
  return {
    text: texts.length ? texts.join('\n') : null,
    data,
    artifacts,
    message,
    a2a: { task_id: outcome.taskId, context_id: outcome.contextId, state: outcome.state },
  };
}
