/** Follows a fake agent's JSON-lines log (test/fixtures/fake-agent.mjs) by polling its size. */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface AgentEvent {
  type: string;
  text?: string;
  [key: string]: unknown;
}

export class AgentLog {
  private offset = 0;
  private partial = '';
  private readonly queue: AgentEvent[] = [];

  constructor(readonly file: string) {
    this.offset = statSync(file).size; // only what comes next
  }

  /** Reads what was appended since the last look; true when something was. */
  poll(): boolean {
    const size = statSync(this.file).size;
    if (size <= this.offset) return false;
    const fd = openSync(this.file, 'r');
    try {
      const buf = Buffer.alloc(size - this.offset);
      readSync(fd, buf, 0, buf.length, this.offset);
      this.offset = size;
      const lines = (this.partial + buf.toString('utf8')).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.queue.push(JSON.parse(line) as AgentEvent);
    } finally {
      closeSync(fd);
    }
    return true;
  }

  /**
   * Waits (polling the size about every millisecond) for the next event matching `match`; events
   * before it are dropped. Resolves with the event and the time it was seen; rejects after timeoutMs.
   */
  async next(match: (e: AgentEvent) => boolean, timeoutMs: number): Promise<{ event: AgentEvent; at: number }> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      this.poll();
      while (this.queue.length) {
        const event = this.queue.shift() as AgentEvent;
        if (match(event)) return { event, at: performance.now() };
      }
      if (performance.now() > deadline) throw new Error(`no matching event in ${this.file} within ${timeoutMs} ms`);
      await sleep(1);
    }
  }

  /** Every event in the whole file. */
  static all(file: string): AgentEvent[] {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as AgentEvent);
  }
}
