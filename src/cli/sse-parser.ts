/** One Server-Sent Event: its `event:` name (`message` when none) and its `data:` lines joined. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * Splits a text/event-stream into events as the bytes arrive (chunks may cut a line or an event
 * anywhere). Lines end with LF, CRLF or CR; `:` lines are comments; an empty line ends an event.
 */
export class SseParser {
  private buffer = '';
  private event = '';
  private dataLines: string[] = [];
  private id: string | undefined;
  private hasPendingCr = false;

  push(chunk: string): SseEvent[] {
    let text = chunk;
    // A CR that ended the previous chunk may be the first half of a CRLF.
    if (this.hasPendingCr && text.startsWith('\n')) {
      text = text.slice(1);
    }
    this.hasPendingCr = text.endsWith('\r');
    this.buffer += text;
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop() ?? '';
    const events: SseEvent[] = [];
    for (const line of lines) {
      const event = this.takeLine(line);
      if (event) {
        events.push(event);
      }
    }
    return events;
  }

  private takeLine(line: string): SseEvent | null {
    if (line === '') {
      return this.dispatch();
    }
    if (line.startsWith(':')) {
      return null;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    if (field === 'event') {
      this.event = value;
    } else if (field === 'data') {
      this.dataLines.push(value);
    } else if (field === 'id') {
      this.id = value;
    }
    return null;
  }

  private dispatch(): SseEvent | null {
    const hasData = this.dataLines.length > 0;
    const event: SseEvent = {
      event: this.event || 'message',
      data: this.dataLines.join('\n'),
      ...(this.id !== undefined ? { id: this.id } : {}),
    };
    this.event = '';
    this.dataLines = [];
    return hasData ? event : null;
  }
}
