// A gate in front of the Docker engine's socket: a unix socket that forwards to the real one while open
// and cuts every connection (and refuses new ones) while closed. Mounted into the sidecar's container
// in place of /var/run/docker.sock, it makes the engine unreachable to the sidecar alone, without
// stopping the engine other tests share. (A bind-mounted socket file keeps its inode, so the gate never
// re-creates the file: it stays listening and drops connections instead.)
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface SocketGate {
  path: string;
  /** Cut every open connection and drop new ones at once. */
  close(): void;
  /** Forward again. */
  open(): void;
  /** Stop listening (end of test). */
  dispose(): Promise<void>;
}

export async function startSocketGate(path: string, engineSocket: string): Promise<SocketGate> {
  let isOpen = true;
  const live = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (!isOpen) {
      client.destroy();
      return;
    }
    const upstream = connect(engineSocket);
    live.add(client);
    live.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      live.delete(client);
      live.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  return {
    path,
    close() {
      isOpen = false;
      for (const s of live) s.destroy();
      live.clear();
    },
    open() {
      isOpen = true;
    },
    dispose: () =>
      new Promise<void>((resolve) => {
        for (const s of live) s.destroy();
        server.close(() => resolve());
      }),
  };
}
