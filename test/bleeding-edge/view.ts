/** What a page shows for a bleeding-edge category, composed from the module's pure rules (as the catalog does). */
import type { Backend } from '../../src/vfs/types.ts';
import type { Maturity, NoteLine } from '../../src/catalog/types.ts';
import { baseName } from '../../src/vfs/path.ts';
import {
  releaseFacts, changelogNotes, compareNewestFirst, isJunk, isItemName, isChangelogName,
} from '../../src/catalog/bleeding-edge/index.ts';
import { maturityOf } from '../../src/catalog/maturity.ts';
import { readSmallText } from '../../src/catalog/read-text.ts';

export interface ViewRelease { version: string; date: Date; maturity: Maturity; notes: NoteLine[]; items: string[]; settling: boolean }

export async function viewOf(backend: Backend, settleSeconds: number, now = new Date()): Promise<ViewRelease[]> {
  const rows: (ViewRelease & { changelog?: string })[] = [];
  for await (const folder of backend.list('')) {
    if (folder.kind !== 'dir' || isJunk(baseName(folder.path))) continue;
    const children = [];
    for await (const c of backend.list(folder.path)) children.push(c);
    const facts = releaseFacts(children, folder, settleSeconds, now);
    const cl = facts.files.find((f) => isChangelogName(baseName(f.path)));
    rows.push({
      version: folder.path, date: facts.date, settling: facts.settling,
      maturity: maturityOf(folder.path, 'bleeding-edge'), notes: [],
      items: facts.files.map((f) => baseName(f.path)).filter(isItemName).sort(),
      changelog: cl ? await readSmallText(backend, cl.path) : undefined,
    });
  }
  rows.sort(compareNewestFirst);
  rows.forEach((r, i) => {
    if (r.changelog !== undefined) r.notes = changelogNotes(rows[i + 1]?.changelog, r.changelog);
  });
  return rows.map(({ changelog: _c, ...r }) => r);
}
