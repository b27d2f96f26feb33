/**
 * A TCP relay on 127.0.0.1 between a test client and a server, to cut connections the way a
 * network does (`drop()`: both sides see their socket die) and to point the same client address
 * at a restarted server (`hold()` while it is down: new connections wait instead of being
 * refused; `retarget()` then sends them on). Kurento clients reconnect through it.
 */
import { createServer, connect, type Server, type Socket } from "node:net";

export interface TcpProxy {
  port: number;
  url: string;
  drop(): void;
  hold(): void;
  retarget(port: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let target = targetPort;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  let held: Socket[] | undefined;
  const relay = (client: Socket) => {
    const upstream = connect(target, "127.0.0.1");
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  };
  const server: Server = createServer((client) => {
    track(client);
    if (held) held.push(client);
    else relay(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    drop() {
      for (const socket of sockets) socket.destroy();
    },
    hold() {
      held ??= [];
    },
    retarget(next) {
      target = next;
      const waiting = held ?? [];
      held = undefined;
      for (const client of waiting) if (!client.destroyed) relay(client);
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
