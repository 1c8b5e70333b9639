// The bench's `framework` reference: a NestJS / Express app built with this project's own @nestjs
// packages, with one GET route (`/v1/health`, the same answer as the orchestrator's) and nothing
// else: no body parser, no middleware, no guard, no pipe, no filter, no logger on requests.
// Started like the orchestrator (server.mjs: node with npm start's options, HOST and PORT from the
// environment), so that a ratio to it measures what the orchestrator adds to the framework.
//
// FRAMEWORK_FLOOR=1 makes it the `framework_floor` scenario's app instead: the least work any
// implementation of the same answers has to do on this framework, with none of the orchestrator's
// code paths (only its constants: the header list, the id generator, the row mapper):
// - every answer carries the orchestrator's headers (X-Request-Id from a new ULID, helmet's headers,
//   Access-Control-Allow-Origin), set by one middleware;
// - GET /v1/contracts/:id checks the X-API-Key (SHA-256, one Map look-up), reads the row with one
//   prepared better-sqlite3 statement from DATA_DIR's store, maps it as the API does, sets the three
//   X-RateLimit-* headers and writes one JSON log line (pino to stdout, as the orchestrator at info).
//
//   HOST=127.0.0.1 PORT=3000 node test/bench/framework-app.mjs
import 'reflect-metadata';
import { Controller, Get, Module, NotFoundException, Param, Req, Res, UnauthorizedException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

const ANSWER = { service: 'agent-orchestrator', status: 'healthy', version: '1.0.0' };
const FLOOR = process.env.FRAMEWORK_FLOOR === '1';

class HealthController {
  health() {
    return ANSWER;
  }
}
// Decorators applied as functions: this file runs as plain JavaScript, without a compiler.
const method = (cls, name) => Object.getOwnPropertyDescriptor(cls.prototype, name);
Controller('v1')(HealthController);
Get('health')(HealthController.prototype, 'health', method(HealthController, 'health'));
const controllers = [HealthController];

let middleware;
if (FLOOR) {
  // Loaded only here, so that the reference app loads nothing it does not use.
  const path = await import('node:path');
  const crypto = await import('node:crypto');
  const perfHooks = await import('node:perf_hooks');
  const nodeModule = await import('node:module');
  const pinoModule = await import('pino');
  const dist = process.env.BENCH_DIST ?? new URL('../../dist', import.meta.url).pathname;
  const securityHeaders = await import(path.join(dist, 'security/security-headers.js'));
  const ulid = await import(path.join(dist, 'common/ids/ulid.js'));
  const mapper = await import(path.join(dist, 'contracts/persistence/contract-row.mapper.js'));
  const Database = nodeModule.createRequire(import.meta.url)('better-sqlite3');

  const headers = [...securityHeaders.helmetHeaders().set, ['Access-Control-Allow-Origin', '*']];
  middleware = (_req, res, next) => {
    res.setHeader('X-Request-Id', ulid.newUlid());
    for (let i = 0; i < headers.length; i++) res.setHeader(headers[i][0], headers[i][1]);
    next();
  };

  const db = new Database(path.join(process.env.DATA_DIR, 'orchestrator.db'), { fileMustExist: true });
  const byId = db.prepare('select * from contracts where contract_id = ?');
  const keyHashes = new Map(db.prepare('select key_hash, id from api_keys where revoked_at is null').raw().all());
  const log = pinoModule.pino({ level: 'info' });

  class ContractController {
    get(id, req, res) {
      const since = perfHooks.performance.now();
      const key = req.headers['x-api-key'];
      if (typeof key !== 'string' || !keyHashes.has(crypto.hash('sha256', key, 'hex'))) throw new UnauthorizedException();
      const row = byId.get(id);
      if (row === undefined) throw new NotFoundException();
      res.setHeader('X-RateLimit-Limit', '1000000000');
      res.setHeader('X-RateLimit-Remaining', '999999999');
      res.setHeader('X-RateLimit-Reset', '60');
      res.on('finish', () => {
        const responseTime = Math.round(perfHooks.performance.now() - since);
        log.info(
          {
            req: { id: res.getHeader('X-Request-Id'), method: req.method, url: req.url },
            res: { statusCode: res.statusCode },
            responseTime,
          },
          'request completed',
        );
      });
      return mapper.rowToContract(row);
    }
  }
  Controller('v1/contracts')(ContractController);
  Get(':contract_id')(ContractController.prototype, 'get', method(ContractController, 'get'));
  Param('contract_id')(ContractController.prototype, 'get', 0);
  Req()(ContractController.prototype, 'get', 1);
  Res({ passthrough: true })(ContractController.prototype, 'get', 2);
  controllers.push(ContractController);
}

class FrameworkModule {}
Module({ controllers })(FrameworkModule);

const app = await NestFactory.create(FrameworkModule, { bodyParser: false, logger: ['error', 'warn'] });
if (middleware) {
  // As the orchestrator: no X-Powered-By, no ETag.
  const express = app.getHttpAdapter().getInstance();
  express.disable('x-powered-by');
  express.disable('etag');
  app.use(middleware);
}
await app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
// A clean exit on SIGINT (server.mjs stops servers with it), so that --cpu-prof writes its profile.
process.once('SIGINT', () => void app.close().then(() => process.exit(0)));
