/**
 * The bleeding-edge scanner: runs {@link scanCategory} for every `type: bleeding-edge` category
 * on change events (debounced), when a settling release is due to settle, and periodically
 * (`scanIntervalSeconds`). Never on a visitor's request. Scans of one category never overlap;
 * requests arriving during a scan are coalesced into one follow-up scan.
 */
import type { Logger } from 'pino';
import type { ChangeBus, ChangeEvent, StateProvider } from '../../vfs/mount.ts';
import type { LockStore } from '../../webdav/context.ts';
import type { Metrics } from '../../metrics.ts';
import { newCategoryState, type CategoryScanState } from './scan-state.ts';
import { scanCategory, type ScanResult } from './scan-category.ts';

/** What the scanner is built from (composition root). */
export interface BleedingEdgeScannerDeps {
  getState: StateProvider;
  bus: ChangeBus;
  locks: LockStore;
  log: Logger;
  metrics?: Metrics;
  /** Called after a scan changed what a category shows (published, pruned or vanished releases). */
  onPublished?: (category: string) => void;
  /** Delay between a change event and its scan, ms (default 200): a burst of writes is one scan. */
  debounceMs?: number;
  /** Settled releases re-listed per scan without a change hint (default 1). */
  reverifyPerScan?: number;
  /** Clock (tests). */
  now?: () => Date;
  /** Runs scans only while held (one scanner per deployment); absent = always. */
  lease?: { readonly held: boolean };
}

/** The scanner's handle. */
export interface BleedingEdgeScanner {
  /** Scans one category (or all bleeding-edge ones) now; resolves with one result per category. @throws never */
  scanNow(slug?: string): Promise<ScanResult[]>;
  /** Subscribes to change events, scans everything once, then keeps scanning periodically. */
  start(): void;
  /** Stops timers and the subscription; resolves when running scans are done. @throws never */
  stop(): Promise<void>;
}

interface Slot {
  state?: CategoryScanState;
  running?: Promise<ScanResult>;
  again?: Promise<ScanResult>;
  lastScan: number;
  debounce?: NodeJS.Timeout;
  settleTimer?: NodeJS.Timeout;
}

/** Creates a scanner; nothing runs until `start()` or `scanNow()`. @throws never */
export function createBleedingEdgeScanner(deps: BleedingEdgeScannerDeps): BleedingEdgeScanner {
  const now = deps.now ?? (() => new Date());
  const debounceMs = deps.debounceMs ?? 200;
  const slots = new Map<string, Slot>();
  let ticker: NodeJS.Timeout | undefined;
  let started = false;
  let stopped = false;

  const slotOf = (slug: string): Slot => {
    let s = slots.get(slug);
    if (!s) slots.set(slug, (s = { lastScan: 0 }));
    return s;
  };

  const bleedingSlugs = (): string[] => {
    const out: string[] = [];
    for (const [slug, m] of deps.getState().mounts) if (m.category.type === 'bleeding-edge') out.push(slug);
    return out;
  };

  async function runOnce(slug: string, slot: Slot): Promise<ScanResult> {
    const mount = deps.getState().mounts.get(slug);
    if (!mount || mount.category.type !== 'bleeding-edge') {
      slots.delete(slug);
      return { category: slug, published: [], pruned: [], vanished: [], settling: [], mismatches: [], error: 'not a bleeding-edge category' };
    }
    if (deps.lease && !deps.lease.held) {
      // Another instance holds the scanner lease and scans this category.
      return { category: slug, published: [], pruned: [], vanished: [], settling: [], mismatches: [] };
    }
    if (!slot.state || slot.state.mount !== mount) slot.state = newCategoryState(mount);
    const cfg = mount.category.bleedingEdge;
    slot.lastScan = Date.now();
    const result = await scanCategory({
      slug, state: slot.state, settleSeconds: cfg.settleSeconds, rules: { keep: cfg.keep, maxAgeDays: cfg.maxAgeDays },
      locks: deps.locks, log: deps.log, now, reverifyPerScan: deps.reverifyPerScan ?? 1,
    });
    record(result);
    scheduleSettle(slug, slot);
    return result;
  }

  function record(r: ScanResult): void {
    const m = deps.metrics?.bleedingEdgeScans;
    if (r.error) m?.inc({ category: r.category, result: 'error' });
    if (r.published.length) m?.inc({ category: r.category, result: 'published' });
    if (r.pruned.length) m?.inc({ category: r.category, result: 'pruned' });
    if (!r.error && !r.published.length && !r.pruned.length) m?.inc({ category: r.category, result: 'unchanged' });
    if (r.published.length) deps.log.info({ category: r.category, releases: r.published }, 'bleeding-edge: published');
    // Pruned releases changed storage: tell the other instances (through the change bus and its relay).
    for (const version of r.pruned) deps.bus.emit('change', { category: r.category, path: version, op: 'remove' });
    if (r.published.length || r.pruned.length || r.vanished.length) {
      try {
        deps.onPublished?.(r.category);
      } catch (err) {
        deps.log.error({ category: r.category, err }, 'bleeding-edge: onPublished failed');
      }
    }
  }

  /** A settling release gets a scan right when it is due to settle, not at the next periodic scan. */
  function scheduleSettle(slug: string, slot: Slot): void {
    clearTimeout(slot.settleTimer);
    slot.settleTimer = undefined;
    if (stopped || !started || !slot.state) return;
    let due = Infinity;
    for (const k of slot.state.releases.values()) if (k.facts.settling) due = Math.min(due, k.facts.settlesAt);
    if (due === Infinity) return;
    const wait = Math.max(200, due - now().getTime() + 50);
    slot.settleTimer = setTimeout(() => void scan(slug), Math.min(wait, 2 ** 31 - 1)).unref();
  }

  /** Serialises scans per category: one running, at most one queued. */
  function scan(slug: string): Promise<ScanResult> {
    const slot = slotOf(slug);
    if (slot.again) return slot.again;
    if (slot.running) {
      slot.again = slot.running.then(() => {
        slot.again = undefined;
        return scan(slug);
      });
      return slot.again;
    }
    slot.running = runOnce(slug, slot).finally(() => { slot.running = undefined; });
    return slot.running;
  }

  function onChange(ev: ChangeEvent): void {
    const targets: [string, string][] = [[ev.category, ev.path]];
    if (ev.from !== undefined) targets.push([ev.fromCategory ?? ev.category, ev.from]);
    for (const [slug, path] of targets) {
      const mount = deps.getState().mounts.get(slug);
      if (!mount || mount.category.type !== 'bleeding-edge') continue;
      const slot = slotOf(slug);
      const version = path.split('/')[0];
      if (version && slot.state) slot.state.dirty.add(version);
      if (!slot.debounce && !stopped) {
        slot.debounce = setTimeout(() => {
          slot.debounce = undefined;
          void scan(slug);
        }, debounceMs).unref();
      }
    }
  }

  function tick(): void {
    if (stopped) return;
    const t = Date.now();
    let next = 5000;
    for (const slug of bleedingSlugs()) {
      const slot = slotOf(slug);
      const interval = deps.getState().mounts.get(slug)!.category.bleedingEdge.scanIntervalSeconds * 1000;
      const due = slot.lastScan + interval - t;
      if (due <= 0 && !slot.running) void scan(slug);
      next = Math.min(next, Math.max(due <= 0 ? interval : due, 100));
    }
    ticker = setTimeout(tick, next).unref();
  }

  return {
    async scanNow(slug) {
      const list = slug === undefined ? bleedingSlugs() : [slug];
      return Promise.all(list.map((s) => scan(s)));
    },
    start() {
      if (started || stopped) return;
      started = true;
      deps.bus.on('change', onChange);
      tick();
    },
    async stop() {
      stopped = true;
      deps.bus.off('change', onChange);
      clearTimeout(ticker);
      const pending: Promise<unknown>[] = [];
      for (const slot of slots.values()) {
        clearTimeout(slot.debounce);
        clearTimeout(slot.settleTimer);
        if (slot.again) pending.push(slot.again);
        else if (slot.running) pending.push(slot.running);
      }
      await Promise.allSettled(pending);
    },
  };
}
