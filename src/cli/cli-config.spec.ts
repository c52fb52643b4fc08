import { ExitCode } from './cli.errors';
import { splitLeadingFlags } from './cli-args';
import { apiRootOf, resolveConfig } from './cli-config';

describe('cli config', () => {
  it('should take the server address with or without /api/v1, behind a path prefix too', () => {
    expect(apiRootOf('http://localhost:3000', 'ANALYTICS_URL')).toBe('http://localhost:3000/api/v1');
    expect(apiRootOf('https://a.example/api/v1/', 'ANALYTICS_URL')).toBe('https://a.example/api/v1');
    expect(apiRootOf('https://a.example/analytics/', 'ANALYTICS_URL')).toBe('https://a.example/analytics/api/v1');
  });

  it('should refuse a missing key and an address that is not http(s) as usage errors', () => {
    expect(() => resolveConfig({}, {})).toThrow(
      expect.objectContaining({
        exitCode: ExitCode.Usage,
        message: expect.stringMatching(/^no API key: set ANALYTICS_API_KEY/),
      }),
    );
    expect(() => resolveConfig({ key: 'k' }, { ANALYTICS_URL: 'ftp://x' })).toThrow(/ANALYTICS_URL must be an http/);
    expect(() => resolveConfig({ key: 'k', url: 'nonsense' }, {})).toThrow(/--url is not a URL/);
  });

  it('should let flags win over the environment', () => {
    expect(resolveConfig({ key: 'flag', url: 'http://h:1' }, { ANALYTICS_API_KEY: 'env', ANALYTICS_URL: 'http://e:2' })).toEqual({ apiRoot: 'http://h:1/api/v1', apiKey: 'flag' });
    expect(resolveConfig({}, { ANALYTICS_API_KEY: 'env' })).toEqual({
      apiRoot: 'http://localhost:3000/api/v1',
      apiKey: 'env',
    });
  });

  it('should split connection flags written before the command', () => {
    expect(splitLeadingFlags(['--url', 'http://h', '--key=k', 'imports', '--json'])).toEqual({
      flags: { url: 'http://h', key: 'k' },
      rest: ['imports', '--json'],
    });
    expect(() => splitLeadingFlags(['--json', 'imports'])).toThrow(/unknown option '--json' before the command/);
  });
});
