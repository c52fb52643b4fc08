import { SseParser } from './sse-parser';

describe('SseParser', () => {
  it('should yield named events with their data when an empty line ends them', () => {
    const parser = new SseParser();
    expect(parser.push('event: progress\ndata: {"a":1}\n\nevent: completed\ndata: {"a":2}\n\n')).toEqual([
      { event: 'progress', data: '{"a":1}' },
      { event: 'completed', data: '{"a":2}' },
    ]);
  });

  it('should join events cut anywhere across chunks, CRLF included', () => {
    const parser = new SseParser();
    const text = 'id: 7\r\nevent: progress\r\ndata: {"percent":42}\r\n\r\n';
    const events = [...text].flatMap((ch) => parser.push(ch));
    expect(events).toEqual([{ event: 'progress', data: '{"percent":42}', id: '7' }]);
  });

  it('should skip comments, name data-only events message and join multi-line data', () => {
    const parser = new SseParser();
    expect(parser.push(': keep-alive\n\ndata: one\ndata: two\n\n')).toEqual([{ event: 'message', data: 'one\ntwo' }]);
  });

  it('should hold back an event until its closing empty line arrives', () => {
    const parser = new SseParser();
    expect(parser.push('event: failed\ndata: {}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'failed', data: '{}' }]);
  });
});
