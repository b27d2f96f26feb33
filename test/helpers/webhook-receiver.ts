/**
 * A webhook receiver for tests: a node:http server on 127.0.0.1 that records every POST it gets
 * (headers, raw body, arrival time) and answers what the test tells it to — a status per
 * attempt, or "hang" to never answer (a receiver that stalls while the sender stops).
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
  /** Arrival time, ms since the epoch. */
  at: number;
}

export type Answer = number | "hang";

export interface WebhookReceiver {
  url: string;
  received: ReceivedRequest[];
  /** Resolves once `count` requests arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  /** Changes what the next requests are answered. */
  answer: (attempt: number) => Answer;
  close(): Promise<void>;
}

export async function startReceiver(answer: (attempt: number) => Answer = () => 200): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = [];
  const receiver = { answer } as WebhookReceiver;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() });
      const reply = receiver.answer(received.length);
      if (reply !== "hang") response.writeHead(reply, { "content-type": "text/plain" }).end(reply < 300 ? "ok" : "try again");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hooks/pipewright`,
    received,
    async waitFor(count: number, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() >= deadline) throw new Error(`receiver got ${received.length} of ${count} requests within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return received.slice(0, count);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
