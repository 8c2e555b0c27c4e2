/** PROPPATCH over HTTP (disk and S3): document order, all-or-nothing, namespaces, Win32 times. */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { startHarness, dav, type Harness } from './locks-props-harness.ts';
import { skipUnlessS3 } from '../helpers/s3env.ts';
import { parseXml, type XmlElement } from '../../src/webdav/xml/parse.ts';
import { deadPropsXml, deadPropNames } from '../../src/webdav/props/index.ts';

const update = (inner: string, extraNs = '') =>
  `<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="http://example.com/ns/"${extraNs}>${inner}</D:propertyupdate>`;
const set = (props: string) => `<D:set><D:prop>${props}</D:prop></D:set>`;
const remove = (props: string) => `<D:remove><D:prop>${props}</D:prop></D:remove>`;

/** Status per property name ("{ns}local") from a 207 body. */
function statuses(xml: string): Map<string, number> {
  const out = new Map<string, number>();
  const root = parseXml(xml);
  const kids = (e: XmlElement) => e.children.filter((c): c is XmlElement => typeof c !== 'string');
  const text = (e: XmlElement): string => e.children.map((c) => (typeof c === 'string' ? c : text(c))).join('');
  for (const resp of kids(root)) for (const ps of kids(resp).filter((e) => e.local === 'propstat')) {
    const code = Number(/HTTP\/1\.1 (\d+)/.exec(text(kids(ps).find((e) => e.local === 'status')!))![1]);
    for (const p of kids(kids(ps).find((e) => e.local === 'prop')!)) out.set(`{${p.ns}}${p.local}`, code);
  }
  return out;
}

for (const slug of ['local', 's3']) {
  describe(`PROPPATCH on ${slug}`, { skip: slug === 's3' ? skipUnlessS3() : false }, () => {
    let h: Harness;
    const meta = async (path: string) => {
      const m = h.mount(slug);
      return m.meta.get(path, await m.backend.stat(path));
    };
    before(async () => {
      h = await startHarness({ withS3: slug === 's3' });
      await h.mount(slug).backend.write('f.txt', Readable.from([Buffer.from('data')]));
      await h.mount(slug).backend.mkdir('dir');
    });
    after(() => h.close());

    test('several <set> blocks, namespaces, xml:lang, unicode, high unicode, set twice keeps the last', async () => {
      const body = update(
        set('<Z:plain>value</Z:plain><Z:lang xml:lang="de">Grüße</Z:lang>') +
        set('<Z:uni>日本語 ünïcödé</Z:uni><Z:high>\u{1F600}\u{10FFFD}</Z:high>') +
        set('<nons xmlns="">no namespace</nons><Z:nested><other:x xmlns:other="urn:other" other:attr="1">in<b/></other:x></Z:nested>') +
        set('<Z:twice>first</Z:twice>') + set('<Z:twice>second</Z:twice>'),
      );
      const r = await dav(h, 'PROPPATCH', `/${slug}/f.txt`, { body });
      assert.equal(r.status, 207);
      const st = statuses(r.text);
      assert.equal(st.size, 7);
      assert.ok([...st.values()].every((s) => s === 200), r.text);
      const m = await meta('f.txt');
      const props = m!.props!;
      const back = (k: string) => parseXml(props[k]!);
      assert.equal(back('{http://example.com/ns/}plain').children[0], 'value');
      const lang = back('{http://example.com/ns/}lang');
      assert.deepEqual(lang.attrs, [{ ns: 'http://www.w3.org/XML/1998/namespace', local: 'lang', value: 'de' }]);
      assert.equal(lang.children[0], 'Grüße');
      assert.equal(back('{http://example.com/ns/}uni').children[0], '日本語 ünïcödé');
      assert.equal(back('{http://example.com/ns/}high').children[0], '\u{1F600}\u{10FFFD}');
      const nons = back('{}nons');
      assert.equal(nons.ns, '');
      assert.match(props['{}nons']!, /xmlns=""/);
      const nested = back('{http://example.com/ns/}nested').children[0] as XmlElement;
      assert.equal(nested.ns, 'urn:other');
      assert.deepEqual(nested.attrs, [{ ns: 'urn:other', local: 'attr', value: '1' }]);
      assert.equal((nested.children[1] as XmlElement).ns, '');
      assert.equal(back('{http://example.com/ns/}twice').children[0], 'second');
      // what PROPFIND gets
      const wanted = [{ ns: 'http://example.com/ns/', local: 'plain' }, { ns: 'urn:none', local: 'missing' }];
      const d = deadPropsXml(m, wanted);
      assert.equal(d.found.length, 1);
      assert.deepEqual(d.missing, [{ ns: 'urn:none', local: 'missing' }]);
      assert.equal(deadPropsXml(m).found.length, 7);
      assert.equal(deadPropNames(m).length, 7);
      assert.ok(h.events.some((e) => e.op === 'props' && e.path === 'f.txt'));
    });

    test('xml:lang inherited from DAV:prop is kept on the property', async () => {
      const r = await dav(h, 'PROPPATCH', `/${slug}/f.txt`, { body: update('<D:set><D:prop xml:lang="fr"><Z:inh>bonjour</Z:inh></D:prop></D:set>') });
      assert.equal(r.status, 207);
      const v = parseXml((await meta('f.txt'))!.props!['{http://example.com/ns/}inh']!);
      assert.equal(v.attrs.find((a) => a.local === 'lang')?.value, 'fr');
    });

    test('document order: set then remove removes; remove then set sets', async () => {
      const r1 = await dav(h, 'PROPPATCH', `/${slug}/f.txt`, { body: update(set('<Z:o1>x</Z:o1>') + remove('<Z:o1/>') + remove('<Z:o2/>') + set('<Z:o2>y</Z:o2>')) });
      assert.equal(r1.status, 207);
      const p = (await meta('f.txt'))!.props!;
      assert.equal(p['{http://example.com/ns/}o1'], undefined);
      assert.ok(p['{http://example.com/ns/}o2']);
      assert.ok(p['{http://example.com/ns/}plain'], 'earlier properties survive');
    });

    test('all or nothing: a protected property fails with 403, the others 424, nothing stored', async () => {
      const before = (await meta('f.txt'))!.props!;
      const r = await dav(h, 'PROPPATCH', `/${slug}/f.txt`, { body: update(set('<Z:newone>n</Z:newone><D:getetag>"x"</D:getetag>') + remove('<Z:plain/>')) });
      assert.equal(r.status, 207);
      const st = statuses(r.text);
      assert.equal(st.get('{DAV:}getetag'), 403);
      assert.equal(st.get('{http://example.com/ns/}newone'), 424);
      assert.equal(st.get('{http://example.com/ns/}plain'), 424);
      assert.match(r.text, /<D:cannot-modify-protected-property\/>/);
      assert.deepEqual((await meta('f.txt'))!.props, before);
      for (const live of ['getcontentlength', 'resourcetype', 'lockdiscovery', 'supportedlock']) {
        const rr = await dav(h, 'PROPPATCH', `/${slug}/f.txt`, { body: update(remove(`<D:${live}/>`)) });
        assert.equal(statuses(rr.text).get(`{DAV:}${live}`), 403, live);
      }
    });

    test('getlastmodified sets the reported mtime; a bad date is 409 and nothing changes', async () => {
      const r = await dav(h, 'PROPPATCH', `/${slug}/f.txt`, { body: update(set('<D:getlastmodified>Mon, 02 Jan 2006 15:04:05 GMT</D:getlastmodified>')) });
      assert.equal(statuses(r.text).get('{DAV:}getlastmodified'), 200);
      const m = await meta('f.txt');
      assert.equal(m!.mtime, '2006-01-02T15:04:05.000Z');
      assert.equal(m!.props!['{DAV:}getlastmodified'], undefined, 'not duplicated as a dead property');
      const bad = await dav(h, 'PROPPATCH', `/${slug}/f.txt`, { body: update(set('<D:getlastmodified>not a date</D:getlastmodified><Z:side>s</Z:side>')) });
      const st = statuses(bad.text);
      assert.equal(st.get('{DAV:}getlastmodified'), 409);
      assert.equal(st.get('{http://example.com/ns/}side'), 424);
      assert.equal((await meta('f.txt'))!.mtime, '2006-01-02T15:04:05.000Z');
    });

    test('collections take dead properties too', async () => {
      const r = await dav(h, 'PROPPATCH', `/${slug}/dir/`, { body: update(set('<Z:colprop>c</Z:colprop>')) });
      assert.equal(r.status, 207);
      assert.ok(r.text.includes(`<D:href>/${slug}/dir/</D:href>`));
      const m = h.mount(slug);
      assert.ok((await m.meta.get('dir', await m.backend.stat('dir')))?.props?.['{http://example.com/ns/}colprop']);
    });

    test('errors: malformed XML / wrong root / empty → 400, missing resource → 404, reader → 403', async () => {
      assert.equal((await dav(h, 'PROPPATCH', `/${slug}/f.txt`, { body: '<D:propertyupdate xmlns:D="DAV:"><D:set>' })).status, 400);
      assert.equal((await dav(h, 'PROPPATCH', `/${slug}/f.txt`, { body: '<D:propfind xmlns:D="DAV:"/>' })).status, 400);
      assert.equal((await dav(h, 'PROPPATCH', `/${slug}/f.txt`, { body: '' })).status, 400);
      assert.equal((await dav(h, 'PROPPATCH', `/${slug}/f.txt`, { body: '<!DOCTYPE x [<!ENTITY a "aaaa">]><D:propertyupdate xmlns:D="DAV:"/>' })).status, 400);
      assert.equal((await dav(h, 'PROPPATCH', `/${slug}/nothing.txt`, { body: update(set('<Z:a>1</Z:a>')) })).status, 404);
      assert.equal((await dav(h, 'PROPPATCH', `/${slug}/f.txt`, { body: update(set('<Z:a>1</Z:a>')), headers: { 'X-Test-User': 'reader' } })).status, 403);
    });
  });
}

describe('PROPPATCH → PROPFIND through the real server (test/helpers/daemon.ts)', () => {
  let d: import('../helpers/daemon.ts').TestDaemon;
  before(async () => {
    const { startDaemon } = await import('../helpers/daemon.ts');
    d = await startDaemon({ digest: false });
  });
  after(() => d?.close());
  const req = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    fetch(d.origin + path, { method, body, headers: { Authorization: d.basic('alice'), ...headers } }).then(async (r) => ({ status: r.status, text: await r.text() }));

  for (const slug of ['files', 's3']) {
    test(`dead properties keep namespaces and values; getlastmodified follows PROPPATCH (${slug})`, { skip: slug === 's3' ? skipUnlessS3() : false }, async () => {
      const p = `/${slug}/props-%C3%A9.txt`;
      assert.equal((await req('PUT', p, 'x')).status, 201);
      const r = await req('PROPPATCH', p, update(
        set('<Z:a xml:lang="en">\u{1F680} value &amp; more</Z:a><D:getlastmodified>Fri, 13 Feb 2009 23:31:30 GMT</D:getlastmodified>') +
        set('<q:b xmlns:q="urn:q"><q:inner q:at="v"/></q:b>')));
      assert.equal(r.status, 207);
      assert.deepEqual([...statuses(r.text).values()], [200, 200, 200]);
      const named = await req('PROPFIND', p, '<D:propfind xmlns:D="DAV:" xmlns:Z="http://example.com/ns/"><D:prop><Z:a/><D:getlastmodified/><Z:missing/></D:prop></D:propfind>', { Depth: '0' });
      assert.equal(named.status, 207);
      const st = statuses(named.text);
      assert.equal(st.get('{http://example.com/ns/}a'), 200);
      assert.equal(st.get('{http://example.com/ns/}missing'), 404);
      assert.match(named.text, /Fri, 13 Feb 2009 23:31:30 GMT/);
      const doc = parseXml(named.text); // the whole answer stays well-formed with our fragments in it
      const a = JSON.stringify(doc);
      assert.ok(a.includes('\u{1F680} value & more'));
      const all = await req('PROPFIND', p, '<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>', { Depth: '0' });
      const allSt = statuses(all.text);
      assert.equal(allSt.get('{urn:q}b'), 200);
      assert.match(all.text, /at="v"/);
      const names = await req('PROPFIND', p, '<D:propfind xmlns:D="DAV:"><D:propname/></D:propfind>', { Depth: '0' });
      assert.ok(statuses(names.text).has('{http://example.com/ns/}a'));
      assert.equal((await req('PROPPATCH', p, update(set('<D:getetag>"no"</D:getetag>')))).status, 207);
      assert.equal((await req('DELETE', p)).status, 204);
    });
  }
});
