/**
 * Cached answers are sent without serializing them again: an answer built from a cached value and
 * its per-request meta fields carries (under a symbol, invisible to JSON and to callers) the value
 * and the meta; the HTTP adapter (AnswerExpressAdapter) writes the meta followed by the value's JSON text,
 * made once per value object. A 2,160-bucket delivery answer (0.5 MB) cost ~8 ms of JSON.stringify
 * per request, warm, which capped it near 100 answers a second on two cores.
 */
export const SERIALIZED_ANSWER = Symbol('serializedAnswer');

export interface SerializedAnswer {
  base: object;
  meta: Record<string, unknown>;
}

const texts = new WeakMap<object, string>();

/** The JSON text of `value`, made once per object (cached values are never changed once made). */
export function jsonOf(value: object): string {
  let text = texts.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    texts.set(value, text);
  }
  return text;
}

/** `{...base, ...meta}`, marked so that it can be sent as the meta followed by base's stored text. */
export function answerOf<T extends object, M extends Record<string, unknown>>(base: T, meta: M): T & M {
  const answer = { ...base, ...meta };
  const mark: SerializedAnswer = { base, meta };
  Object.defineProperty(answer, SERIALIZED_ANSWER, { value: mark, enumerable: false });
  return answer;
}

/** The JSON text of a marked answer (meta first), or null for any other body. */
export function serializedText(body: unknown): string | null {
  const mark = body && typeof body === 'object' ? ((body as Record<symbol, unknown>)[SERIALIZED_ANSWER] as SerializedAnswer | undefined) : undefined;
  if (!mark) {
    return null;
  }
  const head = JSON.stringify(mark.meta);
  const text = jsonOf(mark.base);
  return text === '{}' ? head : `${head.slice(0, -1)},${text.slice(1)}`;
}
