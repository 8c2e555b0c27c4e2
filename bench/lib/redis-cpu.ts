/** CPU time a Redis server has used so far (INFO cpu), to show what Redis costs during a rate. */
import { createConnection } from 'node:net';

/**
 * used_cpu_user + used_cpu_sys of the Redis at 127.0.0.1:port (main thread and children), ms.
 * @throws never: null when Redis does not answer within 2 s.
 */
export function redisCpuMs(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    let text = '';
    const done = (v: number | null) => { s.destroy(); resolve(v); };
    s.setTimeout(2000, () => done(null));
    s.once('error', () => done(null));
    s.once('connect', () => s.write('INFO cpu\r\n'));
    s.on('data', (d) => {
      text += d;
      const u = /used_cpu_user:([\d.]+)/.exec(text), y = /used_cpu_sys:([\d.]+)/.exec(text);
      if (u && y) done((Number(u[1]) + Number(y[1])) * 1000);
    });
  });
}
