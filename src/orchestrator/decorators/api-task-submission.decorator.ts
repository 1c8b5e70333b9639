import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../../common/dto/error-response.dto.js';

/**
 * OpenAPI of a route that takes a task (`POST /v1/orchestrate`, `POST /v1/tasks`): the `traceparent`
 * header and the errors a task is refused with before anything is written.
 */
export function ApiTaskSubmission(): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'traceparent',
      required: false,
      description:
        "W3C trace context; kept in the contracts' metadata and sent with their Trace events. A new trace is started when absent or invalid.",
      example: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    }),
    ApiBadRequestResponse({
      type: ErrorResponseDto,
      description: 'Malformed body, bad session_id, or parameters failing the capability input',
    }),
    ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No agent provides the capability' }),
    ApiPayloadTooLargeResponse({ type: ErrorResponseDto, description: 'Body over 1 MiB' }),
    ApiServiceUnavailableResponse({
      type: ErrorResponseDto,
      description:
        'Agents provide the capability but none is in service or free in time, or the contract store refused a write (for /v1/orchestrate also the one recording the outcome)',
    }),
  );
}
