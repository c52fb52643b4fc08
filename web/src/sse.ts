import { SseParser } from '../../src/cli/sse-parser';
import { send } from './api';

/**
 * Follows a Server-Sent Events route of the API (EventSource cannot send the credentials, so the
 * stream is read from fetch). Calls `onEvent` with each event's name and parsed JSON data until the
 * stream ends or `signal` aborts; answers why it ended.
 */
export async function follow(path: string, onEvent: (event: string, data: unknown) => void, signal: AbortSignal): Promise<'ended' | 'aborted'> {
  const res = await send(path, { headers: { Accept: 'text/event-stream' }, signal });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new SseParser();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        return 'ended';
      }
      for (const e of parser.push(value)) {
        onEvent(e.event, e.data ? JSON.parse(e.data) : null);
      }
    }
  } catch (err) {
    if (signal.aborted) {
      return 'aborted';
    }
    throw err;
  } finally {
    reader.releaseLock();
  }
}
