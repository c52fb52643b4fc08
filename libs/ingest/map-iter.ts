/** Lazily maps items to COPY lines, so rollup rows stream into COPY without an array of them. */
export function* mapIter<T>(items: Iterable<T>, fn: (item: T) => string): Generator<string> {
  for (const item of items) {
    yield fn(item);
  }
}
