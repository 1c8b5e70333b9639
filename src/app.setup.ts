import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { BODY_LIMIT_BYTES, SERVICE_DESCRIPTION, SERVICE_NAME, SERVICE_VERSION } from './app.constants.js';
import type { AppConfig } from './app.config.js';
import { API_KEY_SECURITY_SCHEME, BEARER_SECURITY_SCHEME } from './auth/auth.constants.js';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter.js';
import { jsonBodies } from './common/validation/json-body.js';
import { FastPathValidationPipe } from './common/validation/fast-path-validation.pipe.js';
import { useObservability } from './observability/observability.setup.js';
import { RateLimitMiddleware } from './security/middleware/rate-limit.middleware.js';
import { corsHeaders, corsOptions } from './security/cors-headers.js';
import { securityHeaders } from './security/security-headers.js';

/**
 * Everything the HTTP application needs beyond the module graph; shared by `main.ts` and the e2e
 * tests so that both run the same server. Create the app with `{ bodyParser: false }`.
 */
export function configureApp(app: INestApplication, config: Pick<AppConfig, 'corsOrigins'>): INestApplication {
  const express = app as NestExpressApplication;
  // First, so that every answer (404, 413, malformed JSON included) is logged, timed and carries X-Request-Id.
  useObservability(app);
  express.disable('x-powered-by');
  // nosniff, frame options, a CSP that lets /docs run, and the other helmet defaults.
  express.use(securityHeaders());
  // JSON answers change with every task; hashing each body for an ETag costs CPU on every request.
  express.disable('etag');
  // CORS with credentials is only allowed for an explicit list of origins, never with `*`. Before the
  // rate limit: preflights are not counted, and a 429 or 415 is readable by the page that caused it.
  express.use(corsHeaders(corsOptions(config.corsOrigins)));
  // Before the body parser: a refused request costs no body read.
  express.use(app.get(RateLimitMiddleware).use);
  // JSON only: no urlencoded, multipart or text parser, so an HTML form cannot drive the API.
  express.use(jsonBodies({ limit: BODY_LIMIT_BYTES }));
  app.useGlobalPipes(new FastPathValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  // No enableShutdownHooks here: main.ts handles SIGTERM/SIGINT itself (graceful drain), and tests
  // must not install process signal handlers.

  // Built on the first request to /docs or /docs-json, not at start-up (it scans every route).
  const document = () =>
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Agent Orchestrator')
        .setDescription(
          `${SERVICE_DESCRIPTION}: routes capabilities to agents, records REQUEST/RESPONSE contracts, ships them to Trace and compresses sessions through MemAgent.`,
        )
        .setVersion(SERVICE_VERSION)
        // Once an API key exists, routes need one of these (see the Security section of the README).
        .addBearerAuth(
          {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'API key',
            description: 'Authorization: Bearer <key> (a key from `npm run keys -- create`)',
          },
          BEARER_SECURITY_SCHEME,
        )
        .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'X-API-Key: <key>' }, API_KEY_SECURITY_SCHEME)
        .build(),
    );
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: SERVICE_NAME,
    // No "online validator" badge: it would send the document's URL to swagger.io (and the CSP blocks it).
    swaggerOptions: { validatorUrl: null },
  });
  return app;
}
