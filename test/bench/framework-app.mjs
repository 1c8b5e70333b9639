// The bench's `framework` reference: a NestJS / Express app built with this project's own @nestjs
// packages, with one GET route (`/v1/health`, the same answer as the orchestrator's) and nothing
// else: no body parser, no middleware, no guard, no pipe, no filter, no logger on requests.
// Started like the orchestrator (server.mjs: node with npm start's options, HOST and PORT from the
// environment), so that a ratio to it measures what the orchestrator adds to the framework.
//
// FRAMEWORK_FLOOR=1 makes it the `framework_floor` scenario's app instead: the least work any
// implementation of the same answers has to do on this framework, with none of the orchestrator's
// code paths (only its constants and helpers: the header list, the id and traceparent makers, the
// row mapper, the orchestrator's agent id):
// - every answer carries the orchestrator's headers (X-Request-Id from a new ULID, helmet's headers,
//   Access-Control-Allow-Origin), set by one middleware;
// - GET /v1/contracts/:id checks the X-API-Key (SHA-256, one Map look-up), reads the row with one
//   prepared better-sqlite3 statement from DATA_DIR's store, maps it as the API does, sets the three
//   X-RateLimit-* headers and writes one JSON log line (pino to stdout, as the orchestrator at info);
// - POST /v1/orchestrate (the `echo` capability only) parses the JSON body, checks the key, commits
//   the REQUEST and its session, runs echo, then closes the REQUEST and commits the RESPONSE and its
//   session: the two transactions of SPEC §5, each shared by the writes that arrive together (group
//   commit, as the orchestrator), on DATA_DIR's store with the orchestrator's pragmas. It answers as
//   the orchestrator does, with the same headers and one log line. Left out because no answer shows
//   them: the store's counters and the attempts in the REQUEST's metadata.
//
//   HOST=127.0.0.1 PORT=3000 node test/bench/framework-app.mjs
import 'reflect-metadata';
import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Module,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
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
let bodies;
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
  const tracing = await import(path.join(dist, 'common/tracing/traceparent.js'));
  const mapper = await import(path.join(dist, 'contracts/persistence/contract-row.mapper.js'));
  const { ORCHESTRATOR_AGENT_ID } = await import(path.join(dist, 'contracts/contract.model.js'));
  const require = nodeModule.createRequire(import.meta.url);
  const Database = require('better-sqlite3');
  // The orchestrator's limit; express.json passes a request without a body on untouched.
  bodies = require('express').json({ limit: '1mb' });

  const headers = [...securityHeaders.helmetHeaders().set, ['Access-Control-Allow-Origin', '*']];
  middleware = (_req, res, next) => {
    res.setHeader('X-Request-Id', ulid.newUlid());
    for (let i = 0; i < headers.length; i++) res.setHeader(headers[i][0], headers[i][1]);
    next();
  };

  const db = new Database(path.join(process.env.DATA_DIR, 'orchestrator.db'), { fileMustExist: true });
  // The orchestrator's connection pragmas that bear on a write's cost.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  const byId = db.prepare('select * from contracts where contract_id = ?');
  const keyHashes = new Map(db.prepare('select key_hash, id from api_keys where revoked_at is null').raw().all());
  const log = pinoModule.pino({ level: 'info' });

  /** The key check, the rate-limit headers and the request's log line, as every API answer has them. */
  const answering = (req, res) => {
    const since = perfHooks.performance.now();
    const key = req.headers['x-api-key'];
    if (typeof key !== 'string' || !keyHashes.has(crypto.hash('sha256', key, 'hex'))) throw new UnauthorizedException();
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
  };

  class ContractController {
    get(id, req, res) {
      answering(req, res);
      const row = byId.get(id);
      if (row === undefined) throw new NotFoundException();
      return mapper.rowToContract(row);
    }
  }
  Controller('v1/contracts')(ContractController);
  Get(':contract_id')(ContractController.prototype, 'get', method(ContractController, 'get'));
  Param('contract_id')(ContractController.prototype, 'get', 0);
  Req()(ContractController.prototype, 'get', 1);
  Res({ passthrough: true })(ContractController.prototype, 'get', 2);
  controllers.push(ContractController);

  const insertContract = db.prepare(
    `insert into contracts (contract_id, session_id, contract_type, from_agent, to_agent, capability, payload, status,
       created_at, completed_at, result, error, metadata, parent_contract_id)
     values (:contract_id, :session_id, :contract_type, :from_agent, :to_agent, :capability, :payload, :status,
       :created_at, :completed_at, :result, :error, :metadata, :parent_contract_id)`,
  );
  const upsertSession = db.prepare(
    `insert into sessions (session_id, contract_count, created_at, updated_at) values (?, 1, ?, ?)
     on conflict (session_id) do update set contract_count = contract_count + 1, updated_at = excluded.updated_at`,
  );
  const closeRequest = db.prepare(
    `update contracts set status = :status, result = :result, error = null, completed_at = :completed_at
     where contract_id = :contract_id and contract_type = 'REQUEST' and status = 'in_progress'`,
  );
  const write = (row) => {
    insertContract.run(row);
    upsertSession.run(row.session_id, row.created_at, row.created_at);
  };

  // Group commit: the writes that arrive before the next turn of the event loop share one transaction.
  let pending = [];
  const commitPending = db.transaction((jobs) => {
    for (const job of jobs) job.work();
  });
  const commit = (work) =>
    new Promise((resolve, reject) => {
      pending.push({ work, resolve, reject });
      if (pending.length > 1) return;
      setImmediate(() => {
        const jobs = pending;
        pending = [];
        try {
          commitPending(jobs);
        } catch (error) {
          for (const job of jobs) job.reject(error);
          return;
        }
        for (const job of jobs) job.resolve();
      });
    });

  const AGENT = 'agent_example_001';
  class OrchestrateController {
    async orchestrate(body, req, res) {
      answering(req, res);
      if (typeof body?.session_id !== 'string' || body.capability !== 'echo') throw new BadRequestException();
      const parameters = body.parameters ?? {};
      if (typeof parameters !== 'object' || (parameters.text !== undefined && typeof parameters.text !== 'string')) {
        throw new BadRequestException();
      }
      const metadata = JSON.stringify({ traceparent: tracing.traceparentFrom(req.headers.traceparent) });
      const request = {
        contract_id: ulid.newUlid(),
        session_id: body.session_id,
        contract_type: 'REQUEST',
        from_agent: ORCHESTRATOR_AGENT_ID,
        to_agent: AGENT,
        capability: 'echo',
        payload: JSON.stringify(parameters),
        status: 'in_progress',
        created_at: new Date().toISOString(),
        completed_at: null,
        result: null,
        error: null,
        metadata,
        parent_contract_id: null,
      };
      await commit(() => write(request));
      const data = { message: `Echo: ${parameters.text ?? 'No text provided'}` };
      const completedAt = new Date().toISOString();
      const result = JSON.stringify(data);
      await commit(() => {
        closeRequest.run({ status: 'completed', result, completed_at: completedAt, contract_id: request.contract_id });
        write({
          ...request,
          contract_id: ulid.newUlid(),
          contract_type: 'RESPONSE',
          from_agent: AGENT,
          to_agent: ORCHESTRATOR_AGENT_ID,
          payload: JSON.stringify({ success: true, data, error: null }),
          status: 'completed',
          created_at: completedAt,
          completed_at: completedAt,
          result,
          parent_contract_id: request.contract_id,
        });
      });
      return { success: true, data, error: null, contract_id: request.contract_id, agent_id: AGENT, timestamp: completedAt };
    }
  }
  Controller('v1')(OrchestrateController);
  Post('orchestrate')(OrchestrateController.prototype, 'orchestrate', method(OrchestrateController, 'orchestrate'));
  HttpCode(200)(OrchestrateController.prototype, 'orchestrate', method(OrchestrateController, 'orchestrate'));
  Body()(OrchestrateController.prototype, 'orchestrate', 0);
  Req()(OrchestrateController.prototype, 'orchestrate', 1);
  Res({ passthrough: true })(OrchestrateController.prototype, 'orchestrate', 2);
  controllers.push(OrchestrateController);
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
  app.use(bodies);
}
await app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
// A clean exit on SIGINT (server.mjs stops servers with it), so that --cpu-prof writes its profile.
process.once('SIGINT', () => void app.close().then(() => process.exit(0)));
