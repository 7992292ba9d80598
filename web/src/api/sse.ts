// A Server-Sent Events parser (the WHATWG event-stream format), fed text as it arrives.

export interface SSEMessage {
  id: string | null;
  event: string;
  data: string;
}

export class SSEParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | null = null;
  /** The last id seen, kept across messages (what `Last-Event-ID` sends). */
  lastEventID: string | null = null;
  /** The server's reconnection delay, if it sent one. */
  retry: number | null = null;

  /** Adds a chunk of text and returns the messages it completed. */
  feed(chunk: string): SSEMessage[] {
    this.buffer += chunk;
    const messages: SSEMessage[] = [];
    let newline: number;
    while ((newline = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, newline);
      const width = this.buffer.startsWith('\r\n', newline) ? 2 : 1;
      // A lone \r at the end may be the first half of \r\n: wait for more.
      if (this.buffer[newline] === '\r' && newline + 1 === this.buffer.length) break;
      this.buffer = this.buffer.slice(newline + width);
      const message = this.line(line);
      if (message) messages.push(message);
    }
    return messages;
  }

  private line(line: string): SSEMessage | null {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = '';
        return null;
      }
      const message = { id: this.id, event: this.event || 'message', data: this.data.join('\n') };
      this.data = [];
      this.event = '';
      return message;
    }
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data': this.data.push(value); break;
      case 'event': this.event = value; break;
      case 'id':
        if (!value.includes('\0')) { this.id = value; this.lastEventID = value; }
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default: break;
    }
    return null;
  }
}
