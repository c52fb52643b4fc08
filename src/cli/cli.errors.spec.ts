import { ApiError, ExitCode } from './cli.errors';

describe('ApiError.fromResponse', () => {
  it("should keep the API's message and code and add only the details it does not already say", () => {
    const body = {
      statusCode: 400,
      error: 'MISSING_COLUMNS',
      message: 'The header lacks required columns: AMOUNT',
      details: { missing: ['AMOUNT'], found: ['ID', 'ZONE'] },
      requestId: 'r1',
    };
    const err = ApiError.fromResponse(400, JSON.stringify(body), 'http://x/api/v1/imports/t');
    expect(err).toMatchObject({ status: 400, code: 'MISSING_COLUMNS', exitCode: ExitCode.Api });
    expect(err.message).toBe('The header lacks required columns: AMOUNT (400 MISSING_COLUMNS); found: ID, ZONE');
  });

  it("should name the status and the start of an answer that is not the API's JSON", () => {
    const err = ApiError.fromResponse(502, '<html><body>Bad gateway</body></html>', 'http://x/api/v1/imports');
    expect(err.message).toBe('http://x/api/v1/imports answered 502: <html><body>Bad gateway</body></html> (502 HTTP_502)');
  });
});
