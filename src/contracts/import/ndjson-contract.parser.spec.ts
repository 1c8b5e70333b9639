import { makeRequest, makeResponse } from '../testing/contract.fixtures.js';
import { InvalidContractLineError, parseContractLine } from './ndjson-contract.parser.js';

describe('parseContractLine', () => {
  it('reads back what JSON.stringify wrote for a contract (the export format)', () => {
    const request = makeRequest({ status: 'completed', completed_at: '2026-01-01T12:00:01.500Z', result: { n: [1, 'ü', null] } });
    const response = makeResponse(request, { metadata: { nested: { a: true } }, payload: 'text payload' });
    expect(parseContractLine(JSON.stringify(request))).toEqual(request);
    expect(parseContractLine(JSON.stringify(response))).toEqual(response);
  });

  it('defaults absent nullable fields and metadata, ignores unknown fields, normalises times to UTC with Z', () => {
    const { capability: _c, completed_at: _ca, result: _r, error: _e, metadata: _m, parent_contract_id: _p, ...rest } = makeRequest();
    const parsed = parseContractLine(JSON.stringify({ ...rest, created_at: '2026-01-01T14:00:00+02:00', extra: 1 }));
    expect(parsed).toEqual({
      ...rest,
      created_at: '2026-01-01T12:00:00.000Z',
      capability: null,
      completed_at: null,
      result: null,
      error: null,
      metadata: {},
      parent_contract_id: null,
    });
  });

  it.each([
    ['{"contract_id":', /^not valid JSON/],
    ['[1,2]', /^the line is not a JSON object$/],
    ['null', /^the line is not a JSON object$/],
    [JSON.stringify({ ...makeRequest(), session_id: '../etc' }), /^session_id "\.\.\/etc" is not a valid session id$/],
    [JSON.stringify({ ...makeRequest(), contract_id: '' }), /^contract_id is missing/],
    [JSON.stringify({ ...makeRequest(), contract_id: 7 }), /^contract_id is missing or not a non-empty string$/],
    [JSON.stringify({ ...makeRequest(), contract_type: 'QUERY' }), /^contract_type "QUERY" is not one of REQUEST, RESPONSE$/],
    [JSON.stringify({ ...makeRequest(), status: 'done' }), /^status "done" is not one of pending/],
    [
      JSON.stringify({ ...makeRequest(), created_at: '2026-01-01T12:00:00' }),
      /^created_at "2026-01-01T12:00:00" is not an ISO-8601 time with a zone/,
    ],
    [JSON.stringify({ ...makeRequest(), created_at: '2026-13-45T12:00:00Z' }), /^created_at .* is not an ISO-8601 time/],
    [JSON.stringify({ ...makeRequest(), completed_at: 5 }), /^completed_at 5 is not an ISO-8601 time/],
    [JSON.stringify({ ...makeRequest(), metadata: [1] }), /^metadata is not an object$/],
    [JSON.stringify({ ...makeRequest(), error: { message: 'x' } }), /^error is not a string$/],
    [JSON.stringify({ ...makeRequest(), from_agent: 'a'.repeat(300) }), /^from_agent is longer than 256 characters$/],
    [JSON.stringify({ ...makeRequest(), payload: undefined }), /^payload is missing$/],
  ])('rejects %s', (line, message) => {
    expect(() => parseContractLine(line)).toThrow(InvalidContractLineError);
    expect(() => parseContractLine(line)).toThrow(message);
  });
});
