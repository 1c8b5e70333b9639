import { Injectable } from '@nestjs/common';
import { Agent } from '../decorators/agent.decorator.js';
import { Capability } from '../decorators/capability.decorator.js';
import { TextInput } from './text-input.dto.js';

/** The built-in agent of the Python service, with the same answers. */
@Injectable()
@Agent({ id: 'agent_example_001', name: 'Example Agent', description: 'Example agent for testing orchestration' })
export class ExampleAgent {
  @Capability({ name: 'echo', description: 'Echo back the input text', input: TextInput })
  echo(input: TextInput) {
    return { message: `Echo: ${input.text ?? 'No text provided'}` };
  }

  @Capability({ name: 'uppercase', description: 'Convert text to uppercase', input: TextInput })
  uppercase(input: TextInput) {
    return { result: (input.text ?? '').toUpperCase() };
  }
}
