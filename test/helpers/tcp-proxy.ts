/**
 * A small TCP proxy for fault tests: sits between the daemon and S3 and can cut every
 * connection, refuse new ones, or add latency, on command. Loopback only.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface FaultProxy {
  /** host:port clients connect to. */
  readonly port: number;
  readonly url: string;
  /** Destroys every open connection (both sides). */
  cutAll(): void;
  /** New connections are accepted and dropped at once while down. */
  setDown(down: boolean): void;
  /** Delay in ms added before forwarding each chunk in either direction (0 = none). */
  setLatency(ms: number): void;
  /** Number of connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1:0 forwarding to target. @throws on listen failure */
export async function startFaultProxy(targetHost: string, targetPort: number): Promise<FaultProxy> {
  const sockets = new Set<net.Socket>();
  let down = false;
  let latency = 0;
  let accepted = 0;
  const delayPipe = (from: net.Socket, to: net.Socket) => {
    from.on('data', (chunk) => {
      if (latency === 0) {
        if (!to.write(chunk)) from.pause();
        return;
      }
      from.pause();
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
        from.resume();
      }, latency);
    });
    to.on('drain', () => from.resume());
    from.on('end', () => to.end());
  };
  const server = net.createServer((client) => {
    accepted++;
    if (down) { client.destroy(); return; }
    const upstream = net.connect(targetPort, targetHost);
    sockets.add(client); sockets.add(upstream);
    const done = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on('error', done); upstream.on('error', done);
    client.on('close', done); upstream.on('close', done);
    delayPipe(client, upstream);
    delayPipe(upstream, client);
  });
  await new Promise<void>((res, rej) => { server.once('error', rej); server.listen(0, '127.0.0.1', res); });
  const port = (server.address() as AddressInfo).port;
  const cutAll = () => { for (const s of sockets) s.destroy(); sockets.clear(); };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    cutAll,
    setDown(d) { down = d; if (d) cutAll(); },
    setLatency(ms) { latency = ms; },
    get accepted() { return accepted; },
    close() { cutAll(); return new Promise((res) => server.close(() => res())); },
  };
}
