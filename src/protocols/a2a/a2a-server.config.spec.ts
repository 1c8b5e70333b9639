import { ConfigValidationError } from '../../common/config/validate-config.js';
import { loadA2aServerConfig } from './a2a-server.config.js';

describe('loadA2aServerConfig', () => {
  it('leaves both settings unset by default, and strips trailing slashes from the public URL', () => {
    expect(loadA2aServerConfig({})).toEqual({ defaultCapability: undefined, publicUrl: undefined });
    expect(loadA2aServerConfig({ A2A_DEFAULT_CAPABILITY: 'echo', A2A_PUBLIC_URL: 'https://agents.example.com/orchestrator/' })).toEqual({
      defaultCapability: 'echo',
      publicUrl: 'https://agents.example.com/orchestrator',
    });
    expect(loadA2aServerConfig({ A2A_PUBLIC_URL: 'http://orchestrator:8888' }).publicUrl).toBe('http://orchestrator:8888');
  });

  it('refuses a capability name that cannot exist and a URL that is not http(s)', () => {
    expect(() => loadA2aServerConfig({ A2A_DEFAULT_CAPABILITY: 'Echo Text' })).toThrow(ConfigValidationError);
    expect(() => loadA2aServerConfig({ A2A_DEFAULT_CAPABILITY: 'Echo Text' })).toThrow(/A2A_DEFAULT_CAPABILITY/);
    expect(() => loadA2aServerConfig({ A2A_PUBLIC_URL: 'ftp://x' })).toThrow(/A2A_PUBLIC_URL/);
    expect(() => loadA2aServerConfig({ A2A_PUBLIC_URL: 'not a url' })).toThrow(/A2A_PUBLIC_URL/);
  });
});
