import { answerOf, jsonOf, serializedText } from './serialized-answer';

describe('serialized answers', () => {
  it('should send the same document as serializing the answer, meta first', () => {
    const base = { buckets: [{ start: '2025-06-01T00:00:00+00:00', messages: 3 }], summary: { rate: 99.5 } };
    const answer = answerOf(base, { queryTimeMs: 1.25, cached: true, dataVersion: '7' });
    const text = serializedText(answer)!;
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(answer)));
    expect(text.startsWith('{"queryTimeMs":1.25,"cached":true,"dataVersion":"7",')).toBe(true);
  });

  it('should keep the mark out of the answer seen by callers and by JSON', () => {
    const answer = answerOf({ a: 1 }, { cached: false });
    expect(Object.keys(answer)).toEqual(['a', 'cached']);
    expect(JSON.stringify(answer)).toBe('{"a":1,"cached":false}');
    expect(serializedText({ ...answer })).toBeNull();
    expect(serializedText('text')).toBeNull();
  });

  it('should serialize a value once however many answers are built from it', () => {
    const base = { n: 1 };
    const spy = jest.spyOn(JSON, 'stringify');
    const first = jsonOf(base);
    const calls = spy.mock.calls.length;
    expect(jsonOf(base)).toBe(first);
    expect(spy.mock.calls.length).toBe(calls);
    spy.mockRestore();
  });

  it('should answer an empty value with the meta alone', () => {
    expect(serializedText(answerOf({}, { cached: true }))).toBe('{"cached":true}');
  });
});
