/** Stream writing shared by the generators. */

/** Resolves when `out` emits 'drain'; rejects on 'error' or 'close' first. */
function waitForDrain(out: NodeJS.WritableStream): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      out.removeListener('drain', onDrain);
      out.removeListener('error', onError);
      out.removeListener('close', onClose);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('output stream closed before all data was written'));
    };
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Writes every chunk produced by `next` (until it returns null) honouring backpressure; returns
 * the bytes written (the generators write ASCII). Does not end `out`: the caller owns the stream.
 */
export async function pump(out: NodeJS.WritableStream, next: () => string | null): Promise<number> {
  // Set by the listener: declared with 'as' so that the checks after each await are not narrowed to null.
  let failure = null as Error | null;
  const onError = (err: Error): void => {
    failure = failure ?? err;
  };
  out.on('error', onError);
  let bytes = 0;
  try {
    for (let chunk = next(); chunk !== null; chunk = next()) {
      if (failure) throw failure;
      const s = out as NodeJS.WritableStream & { destroyed?: boolean; writableEnded?: boolean };
      if (s.destroyed || s.writableEnded) throw new Error('output stream is closed');
      bytes += chunk.length; // ASCII only
      if (out.write(chunk)) await yieldToEventLoop();
      else await waitForDrain(out);
    }
    if (failure) throw failure;
  } finally {
    out.removeListener('error', onError);
  }
  return bytes;
}
