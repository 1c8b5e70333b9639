import cors from 'cors';
import { corsHeaders, corsOptions } from './cors-headers.js';
import { recordHeaders } from './recorded-headers.js';

describe('corsHeaders', () => {
  const requests = [
    { method: 'GET', headers: {} },
    { method: 'GET', headers: { origin: 'https://anywhere.example' } },
    { method: 'POST', headers: { origin: 'null', 'content-type': 'application/json' } },
    { method: 'DELETE', headers: { origin: 'http://localhost:3000' } },
  ];

  it('any origin: the headers cors itself sets on every request but a preflight', () => {
    const options = corsOptions('*');
    expect(options).toEqual({ origin: '*', credentials: false });
    for (const req of requests) {
      const replayed = recordHeaders(corsHeaders(options), req);
      expect(replayed).toEqual(recordHeaders(cors(options), req));
      expect(replayed.set).toEqual([['Access-Control-Allow-Origin', '*']]);
    }
  });

  it('listed origins: cors itself, which names the request origin when it is listed', () => {
    const options = corsOptions(['https://app.example']);
    expect(options).toEqual({ origin: ['https://app.example'], credentials: true });
    const run = (origin: string) => recordHeaders(corsHeaders(options), { method: 'GET', headers: { origin } }).set;
    expect(run('https://app.example')).toEqual(
      expect.arrayContaining([
        ['Access-Control-Allow-Origin', 'https://app.example'],
        ['Access-Control-Allow-Credentials', 'true'],
      ]),
    );
    expect(run('https://evil.example').map(([name]) => name)).not.toContain('Access-Control-Allow-Origin');
  });
});
