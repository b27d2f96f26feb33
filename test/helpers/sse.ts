/**
 * A Server-Sent Events client for tests: opens `GET url` with fetch, parses the stream as the
 * HTML spec's EventSource does (fields `id`, `event`, `data`; comment lines kept apart so a test
 * can see heartbeats) and hands out messages one at a time, with a timeout.
 */

export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

export interface SseClient {
  status: number;
  headers: Headers;
  /** The next message; rejects after `timeoutMs` without one. */
  next(timeoutMs?: number): Promise<SseMessage>;
  /** The next `count` messages. */
  take(count: number, timeoutMs?: number): Promise<SseMessage[]>;
  /** Comment lines seen so far (without the leading colon). */
  comments: string[];
  close(): void;
}

function parseBlock(block: string, comments: string[]): SseMessage | undefined {
  const message: SseMessage = { data: "" };
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) comments.push(line.slice(1).trim());
    const match = /^(id|event|data)(?:: ?(.*))?$/.exec(line);
    if (!match) continue;
    if (match[1] === "data") data.push(match[2] ?? "");
    else message[match[1] as "id" | "event"] = match[2] ?? "";
  }
  if (data.length === 0) return undefined;
  message.data = data.join("\n");
  return message;
}

/**
 * Reads messages into `seen` (parsed as JSON) until one satisfies `done`; each wait for the next
 * message may take `timeoutMs`. Returns `seen`, which may hold earlier messages too.
 */
export async function readUntil<T>(stream: SseClient, seen: T[], done: (message: T) => boolean, timeoutMs = 10_000): Promise<T[]> {
  while (!seen.some(done)) seen.push(JSON.parse((await stream.next(timeoutMs)).data) as T);
  return seen;
}

export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: abort.signal });
  const queue: SseMessage[] = [];
  const comments: string[] = [];
  let wake: (() => void) | undefined;
  let ended: Error | undefined;
  const pump = async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, "\n");
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const message = parseBlock(buffer.slice(0, end), comments);
        buffer = buffer.slice(end + 2);
        if (message) queue.push(message);
      }
      wake?.();
    }
  };
  if (response.ok) {
    pump()
      .catch((error: Error) => error)
      .then((error) => {
        ended = error instanceof Error ? error : new Error("stream ended");
        wake?.();
      });
  }
  const next = async (timeoutMs = 5000): Promise<SseMessage> => {
    const deadline = Date.now() + timeoutMs;
    while (queue.length === 0) {
      if (ended) throw ended;
      if (Date.now() >= deadline) throw new Error(`no SSE message within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return queue.shift()!;
  };
  return {
    status: response.status,
    headers: response.headers,
    next,
    async take(count, timeoutMs = 5000) {
      const messages: SseMessage[] = [];
      while (messages.length < count) messages.push(await next(timeoutMs));
      return messages;
    },
    comments,
    close: () => abort.abort(),
  };
}
