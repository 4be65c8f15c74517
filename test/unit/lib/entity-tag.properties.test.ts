import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ifNoneMatchHits, listEtag, statsEtag } from "../../../worker/lib/entity-tag";

const opaqueText = fc.stringMatching(/^[\x21\x23-\x7e]{0,20}$/);
const tag = fc.tuple(fc.boolean(), opaqueText).map(([weak, text]) => `${weak ? "W/" : ""}"${text}"`);
const space = fc.constantFrom("", " ", "  ", "\t");
const opaqueOf = (t: string) => (t.startsWith("W/") ? t.slice(2) : t);

describe("collection entity tags", () => {
  it("If-None-Match holding the tag, weak or strong, among others and whatever the spacing, matches", () => {
    fc.assert(
      fc.property(fc.array(tag, { maxLength: 5 }), fc.array(tag, { maxLength: 5 }), fc.nat(), fc.boolean(), space, (before, after, version, weak, sp) => {
        const etag = listEtag("tenant", version, "[]");
        const sent = weak ? `W/${etag}` : etag;
        const header = [...before, sent, ...after].join(`${sp},${sp}`);
        expect(ifNoneMatchHits(header, etag)).toBe(true);
        expect(ifNoneMatchHits(header, `W/${etag}`)).toBe(true);
      }),
    );
  });

  it("a list without the tag never matches; * always does; no header never does", () => {
    fc.assert(
      fc.property(fc.array(tag, { maxLength: 6 }), fc.nat(), (others, version) => {
        const etag = listEtag("tenant", version, "[]");
        fc.pre(others.every((t) => opaqueOf(t) !== etag));
        expect(ifNoneMatchHits(others.join(", "), etag)).toBe(false);
      }),
    );
    expect(ifNoneMatchHits("*", listEtag("t", 1, "q"))).toBe(true);
    expect(ifNoneMatchHits(undefined, listEtag("t", 1, "q"))).toBe(false);
  });

  it("an oversized header is not read: the full answer goes out", () => {
    const etag = listEtag("t", 1, "q");
    expect(ifNoneMatchHits(`${'"x", '.repeat(3000)}${etag}`, etag)).toBe(false);
  });

  it("tags differ when the version, the tenant or the query differs; list tags are strong, stats tags weak", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.nat(), fc.nat(), fc.string(), fc.string(), (t1, t2, v1, v2, q1, q2) => {
        fc.pre(t1 !== t2 || v1 !== v2 || q1 !== q2);
        expect(listEtag(t1, v1, q1)).not.toBe(listEtag(t2, v2, q2));
        expect(listEtag(t1, v1, q1)).toBe(listEtag(t1, v1, q1));
        expect(listEtag(t1, v1, q1).startsWith('"')).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.nat(), fc.nat(), fc.nat(), fc.nat(), (t1, t2, v1, v2, o1, o2) => {
        fc.pre(t1 !== t2 || v1 !== v2 || o1 !== o2);
        expect(statsEtag(t1, v1, o1)).not.toBe(statsEtag(t2, v2, o2));
        expect(statsEtag(t1, v1, o1).startsWith('W/"')).toBe(true);
      }),
    );
  });
});
