import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { FastPathValidationPipe } from '../common/validation/fast-path-validation.pipe.js';
import { databaseConfig } from '../database/index.js';
import type { Contract } from './contract.model.js';
import { ContractRepository } from './contract.repository.js';
import { ContractsModule } from './contracts.module.js';
import { makeRequest, makeResponse, makeTempDir } from './testing/contract.fixtures.js';

/** The /v1/contracts and /v1/sessions routes over HTTP, with the app's global validation pipe. */
describe('ContractsController and SessionsController', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let app: INestApplication;
  let contracts: Contract[];

  beforeAll(async () => {
    temp = makeTempDir();
    const moduleRef = await Test.createTestingModule({ imports: [ContractsModule] })
      .overrideProvider(databaseConfig.KEY)
      .useValue({ dataDir: temp.dir, sqliteSynchronous: 'NORMAL' })
      .compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalPipes(new FastPathValidationPipe());
    await app.init();

    const repo = app.get(ContractRepository);
    contracts = [];
    for (let i = 0; i < 5; i++) {
      const req = makeRequest({ session_id: i < 3 ? 'session_one' : 'session_two', capability: i % 2 ? 'uppercase' : 'echo' });
      await repo.insertRequest(req, { outbox: false });
      const res = makeResponse(req);
      const closed = await repo.completeRequest(
        req,
        { status: 'completed', result: res.result, error: null, completed_at: res.created_at },
        res,
        {
          outbox: false,
        },
      );
      contracts.push(closed, res);
    }
  });

  afterAll(async () => {
    await app?.close();
    temp?.remove();
  });

  const http = () => request(app.getHttpServer());

  describe('GET /v1/contracts', () => {
    it('lists all contracts oldest first with total and next_cursor', async () => {
      const res = await http().get('/v1/contracts').expect(200);
      expect(res.body).toEqual({ session_id: null, contracts, total: 10, next_cursor: null });
    });

    it('filters, pages, and echoes the session filter; unknown query params are ignored', async () => {
      const page1 = await http()
        .get('/v1/contracts')
        .query({ session_id: 'session_one', contract_type: 'REQUEST', limit: '2', foo: 'bar' })
        .expect(200);
      const requests = contracts.filter((c) => c.session_id === 'session_one' && c.contract_type === 'REQUEST');
      expect(page1.body).toMatchObject({ session_id: 'session_one', contracts: requests.slice(0, 2), total: 3 });
      expect(typeof page1.body.next_cursor).toBe('string');

      const page2 = await http()
        .get('/v1/contracts')
        .query({ session_id: 'session_one', contract_type: 'REQUEST', limit: '2', cursor: page1.body.next_cursor })
        .expect(200);
      expect(page2.body).toEqual({ session_id: 'session_one', contracts: requests.slice(2), total: 3, next_cursor: null });

      const byAgent = await http()
        .get('/v1/contracts')
        .query({ from_agent: 'agent_example_001', capability: 'uppercase', status: 'completed' })
        .expect(200);
      expect(byAgent.body.total).toBe(2);
    });

    it.each([
      ['limit=0', { limit: '0' }],
      ['limit=1001', { limit: '1001' }],
      ['limit=abc', { limit: 'abc' }],
      ['limit=1.5', { limit: '1.5' }],
      ['a bad status', { status: 'done' }],
      ['a bad contract_type', { contract_type: 'request' }],
      ['a bad session_id', { session_id: '../etc' }],
      ['a too long agent', { from_agent: 'x'.repeat(129) }],
      ['a repeated filter', { status: ['completed', 'failed'] }],
      ['a too long cursor', { cursor: 'a'.repeat(201) }],
      ['a cursor it did not issue', { cursor: 'bm90LWEtY3Vyc29y' }],
    ])('400 for %s', async (_name, query) => {
      const res = await http().get('/v1/contracts').query(query).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(res.body.message).toBeDefined();
    });

    it('GET /v1/contracts/:contract_id returns the contract or 404', async () => {
      const res = await http().get(`/v1/contracts/${contracts[1]!.contract_id}`).expect(200);
      expect(res.body).toEqual(contracts[1]);
      const missing = await http().get('/v1/contracts/unknown-id').expect(404);
      expect(missing.body).toEqual({ statusCode: 404, error: 'Not Found', message: "Contract 'unknown-id' not found" });
    });
  });

  describe('GET /v1/sessions', () => {
    it('lists sessions newest first', async () => {
      const res = await http().get('/v1/sessions').expect(200);
      expect(res.body).toEqual({
        sessions: [
          { session_id: 'session_two', contract_count: 4, created_at: contracts[6]!.created_at, updated_at: contracts[9]!.created_at },
          { session_id: 'session_one', contract_count: 6, created_at: contracts[0]!.created_at, updated_at: contracts[5]!.created_at },
        ],
        total: 2,
        next_cursor: null,
      });
      const paged = await http().get('/v1/sessions?limit=1').expect(200);
      expect(paged.body.sessions.map((s: { session_id: string }) => s.session_id)).toEqual(['session_two']);
      const next = await http().get('/v1/sessions').query({ limit: 1, cursor: paged.body.next_cursor }).expect(200);
      expect(next.body).toMatchObject({ sessions: [{ session_id: 'session_one' }], total: 2, next_cursor: null });
    });

    it('400 for a bad limit or cursor', async () => {
      await http().get('/v1/sessions?limit=0').expect(400);
      await http().get('/v1/sessions?cursor=zzz').expect(400);
    });

    it('GET /v1/sessions/:session_id returns the session with a page of its conversation', async () => {
      const res = await http().get('/v1/sessions/session_two').expect(200);
      expect(res.body).toEqual({
        session_id: 'session_two',
        contract_count: 4,
        created_at: contracts[6]!.created_at,
        updated_at: contracts[9]!.created_at,
        conversation: contracts.slice(6),
        next_cursor: null,
      });
      const page = await http().get('/v1/sessions/session_one?limit=4').expect(200);
      expect(page.body.conversation).toEqual(contracts.slice(0, 4));
      const rest = await http().get('/v1/sessions/session_one').query({ limit: 4, cursor: page.body.next_cursor }).expect(200);
      expect(rest.body).toMatchObject({ conversation: contracts.slice(4, 6), next_cursor: null });
    });

    it('400 for a session id that does not match the pattern, 404 for an unknown one', async () => {
      for (const bad of ['..hidden', '.x', '-x', 'a%2Fb', 'x'.repeat(129), 'sp%20ace']) {
        const res = await http().get(`/v1/sessions/${bad}`).expect(400);
        expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      }
      const res = await http().get('/v1/sessions/no_such_session').expect(404);
      expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: "Session 'no_such_session' not found" });
      await http().get('/v1/sessions/session_one?limit=5000').expect(400);
    });
  });

  describe('OpenAPI document', () => {
    let doc: OpenAPIObject;
    beforeAll(() => {
      doc = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    });

    it('documents every route with its responses', () => {
      const op = (path: string) => doc.paths[path]?.get;
      for (const path of ['/v1/contracts', '/v1/contracts/{contract_id}', '/v1/sessions', '/v1/sessions/{session_id}']) {
        expect(op(path)).toBeDefined();
        expect(op(path)!.responses['200']).toBeDefined();
      }
      expect(Object.keys(op('/v1/contracts')!.responses)).toEqual(expect.arrayContaining(['200', '400']));
      expect(Object.keys(op('/v1/contracts/{contract_id}')!.responses)).toEqual(expect.arrayContaining(['200', '404']));
      expect(Object.keys(op('/v1/sessions/{session_id}')!.responses)).toEqual(expect.arrayContaining(['200', '400', '404']));
      const params = (op('/v1/contracts')!.parameters ?? []).map((p) => ('name' in p ? p.name : ''));
      expect(params).toEqual(
        expect.arrayContaining(['session_id', 'from_agent', 'to_agent', 'contract_type', 'status', 'capability', 'limit', 'cursor']),
      );
    });

    it('documents the DTOs with examples', () => {
      const schemas = doc.components?.schemas ?? {};
      for (const name of [
        'ContractDto',
        'ContractListResponseDto',
        'SessionSummaryDto',
        'SessionListResponseDto',
        'SessionDetailResponseDto',
        'ErrorResponseDto',
      ]) {
        expect(schemas[name]).toBeDefined();
      }
      const contract = schemas['ContractDto'] as { properties: Record<string, { example?: unknown }>; required: string[] };
      expect(Object.keys(contract.properties)).toEqual([
        'contract_id',
        'session_id',
        'contract_type',
        'from_agent',
        'to_agent',
        'capability',
        'payload',
        'status',
        'created_at',
        'completed_at',
        'result',
        'error',
        'metadata',
        'parent_contract_id',
      ]);
      expect(contract.properties['contract_id']!.example).toBeDefined();
      expect(contract.required).toContain('contract_id');
    });
  });
});
