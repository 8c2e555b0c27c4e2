/** Descriptors of this process open on one file (counting all descriptors is flaky beside other tests' sockets). */
import { readdirSync, readlinkSync } from 'node:fs';

/** How many descriptors of this process point at `path`. @throws never */
export function openOn(path: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try { return readlinkSync(`/proc/self/fd/${fd}`) === path; } catch { return false; }
  }).length;
}
