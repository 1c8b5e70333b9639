export const A2aMessages = {
  invalidUrl: (url: string) => `agent_card_url ${JSON.stringify(url)} is not an absolute http(s) URL.`,
  unreachable: (url: string, detail: string) => `Agent card at ${url} is unreachable: ${detail}.`,
  noCardFound: (tried: string[]) => `No agent card found: ${tried.join('; ')}.`,
  notJson: (url: string) => `The document at ${url} is not JSON, so it is not an A2A agent card.`,
  tooLarge: (url: string, max: number) => `The document at ${url} is larger than ${max} bytes.`,
  notAnObject: (url: string) => `The document at ${url} is not a JSON object, so it is not an A2A agent card.`,
  noName: (url: string) => `The agent card at ${url} has no name.`,
  noEndpoint: (url: string) => `The agent card at ${url} declares no endpoint (neither supportedInterfaces (v1.0) nor url (v0.3)).`,
  badEndpoint: (url: string, endpoint: unknown) =>
    `The agent card at ${url} declares the endpoint ${JSON.stringify(endpoint)}, which is not an absolute http(s) URL.`,
  unreadable: (url: string, detail: string) => `The agent card at ${url} cannot be read: ${detail}.`,
  unsupportedTransport: (url: string, offered: string[], supported: readonly string[]) =>
    `The agent card at ${url} offers the transports ${offered.join(', ') || '(none)'}; the orchestrator speaks ${supported.join(' and ')}.`,
  noSkills: (url: string) => `The agent card at ${url} declares no skills, so the agent would provide no capability.`,
  badSkill: (url: string, index: number) => `Skill #${index + 1} of the agent card at ${url} has no id.`,
  invalidAgentId: (id: unknown) =>
    `Agent id ${JSON.stringify(id)} is invalid: use 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit.`,
  skillText: (skillId: string) => `Run the skill "${skillId}" with the parameters in the data part of this message.`,
  taskEnded: (agentId: string, state: string) => `A2A agent ${agentId} ended the task ${state}.`,
  needsInput: (agentId: string, what: string, text: string | null) =>
    `A2A agent ${agentId} needs ${what} to continue${text ? `: ${text}` : ''}; the orchestrator cannot provide it.`,
  refused: (agentId: string, detail: string) => `A2A agent ${agentId} refused the task: ${detail}`,
  transport: (agentId: string, endpoint: string, detail: string) => `A2A agent ${agentId} at ${endpoint}: ${detail}`,
  unknownState: (state: unknown) => `the task reached an unknown state ${JSON.stringify(state)}`,
  noTask: () => 'the reply stream ended before a task or message arrived',
  malformedReply: () => 'the reply is neither a task nor a message',
  cannotRegister: (detail: string) => `Cannot register the A2A agent: ${detail}`,
  storedCardMalformed: () => 'the stored registration has no agent card',
  redirected: (url: string, status: number, location: string | null) =>
    `${url} answered ${status}${location ? ` (redirect to ${location})` : ''}; redirects are not followed when an agent card is fetched: give the card's final URL as agent_card_url.`,
  tooManySkills: (url: string, count: number, max: number) =>
    `The agent card at ${url} lists ${count} skills; at most ${max} are accepted.`,
  replyTooLarge: (max: number) => `the reply is larger than ${max} bytes`,
};
