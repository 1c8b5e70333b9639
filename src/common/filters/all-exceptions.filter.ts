import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import type { ErrorResponseDto } from '../dto/error-response.dto.js';
import { retryAfterOf } from '../exceptions/retry-later.exception.js';

/** Errors raised by Express middleware (body-parser) carry their HTTP status. */
interface HttpishError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
  message?: string;
}

const BODY_PARSER_MESSAGES: Record<string, string> = {
  'entity.too.large': 'Request body exceeds the 1 MiB limit',
  'entity.parse.failed': 'Request body is not valid JSON',
  'encoding.unsupported': 'Unsupported request body encoding',
  'charset.unsupported': 'Unsupported request body charset',
  'request.aborted': 'Request aborted by the client',
  'request.size.invalid': 'Request body size does not match its Content-Length',
};

function reasonPhrase(status: number): string {
  const name = HttpStatus[status] as string | undefined;
  if (!name) return 'Error';
  return name
    .split('_')
    .map((word) => word.charAt(0) + word.slice(1).toLowerCase())
    .join(' ');
}

/** Maps any thrown value to the JSON error of SPEC §4; only our own faults become a 500. */
export function toErrorResponse(exception: unknown): ErrorResponseDto {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    if (typeof body === 'string') return { statusCode: status, error: reasonPhrase(status), message: body };
    const { message, error } = body as { message?: string | string[]; error?: string };
    // Nest wraps body-parser errors in an HttpException; say what went wrong in our own words.
    const cause = exception.cause as HttpishError | undefined;
    const bodyParserMessage = cause?.type ? BODY_PARSER_MESSAGES[cause.type] : undefined;
    return {
      statusCode: status,
      error: error ?? reasonPhrase(status),
      message: bodyParserMessage ?? message ?? exception.message,
    };
  }
  const httpish = exception as HttpishError | null;
  const status = httpish?.status ?? httpish?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = (httpish?.type && BODY_PARSER_MESSAGES[httpish.type]) || httpish?.message || reasonPhrase(status);
    return { statusCode: status, error: reasonPhrase(status), message };
  }
  return { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' };
}

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = toErrorResponse(exception);
    if (!(exception instanceof HttpException) && body.statusCode >= 500) {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    if (response.headersSent) return;
    const retryAfter = retryAfterOf(exception);
    if (retryAfter !== undefined) response.setHeader('Retry-After', String(retryAfter));
    response.status(body.statusCode).json(body);
  }
}
