/**
 * Peer: nginx with ngx_http_dav_module + dav_ext (Debian's nginx-light + libnginx-mod-http-dav-ext),
 * serving one folder with Basic auth (plain-text password file, the cheapest check).
 */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startService, waitForPort, freePort, type Service } from '../lib/proc.ts';

/** A running nginx and where it serves. */
export interface NginxPeer { service: Service; port: number; baseUrl: string; root: string }

const DAV_EXT = '/usr/lib/nginx/modules/ngx_http_dav_ext_module.so';

/** The nginx.conf the bench uses (also printed into BENCHMARKS.md). */
export function nginxConf(prefix: string, root: string, port: number): string {
  return `load_module ${DAV_EXT};
user root;
worker_processes auto;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    client_max_body_size 0;
    location / {
      auth_basic "bench";
      auth_basic_user_file ${prefix}/htpasswd;
      dav_methods PUT DELETE MKCOL COPY MOVE;
      dav_ext_methods PROPFIND OPTIONS LOCK UNLOCK;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
    }
  }
}
`;
}

/**
 * Starts nginx on a free port serving `root`.
 * @throws Error when nginx or its DAV module is missing or it does not listen.
 */
export async function startNginx(workDir: string, root: string, user: string, pass: string): Promise<NginxPeer> {
  if (!existsSync(DAV_EXT)) throw new Error(`${DAV_EXT} missing (apt-get install libnginx-mod-http-dav-ext)`);
  const prefix = join(workDir, 'nginx');
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(prefix, d), { recursive: true });
  mkdirSync(root, { recursive: true });
  const port = await freePort();
  writeFileSync(join(prefix, 'htpasswd'), `${user}:{PLAIN}${pass}\n`);
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(conf, nginxConf(prefix, root, port));
  const service = startService('nginx', 'nginx', ['-p', prefix, '-c', conf, '-g', 'daemon off;'], workDir);
  await waitForPort(port, 10000, service);
  return { service, port, baseUrl: `http://127.0.0.1:${port}`, root };
}
