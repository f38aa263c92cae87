import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { wsTextFrame } from "./room-fanout";

// ws's own frame builder (what Socket.IO's adapter sends), as the reference
const { Sender } = createRequire(import.meta.url)("ws") as {
  Sender: { frame(data: Buffer, opts: { readOnly: boolean; mask: boolean; rsv1: boolean; opcode: number; fin: boolean }): Buffer[] };
};
const reference = (text: string) => Buffer.concat(Sender.frame(Buffer.from(text), { readOnly: false, mask: false, rsv1: false, opcode: 1, fin: true }));

describe("wsTextFrame", () => {
  it.each([0, 1, 125, 126, 127, 65_535, 65_536, 70_000])("matches ws's frame for %i bytes", (n) => {
    const text = "x".repeat(n);
    expect(wsTextFrame(text).equals(reference(text))).toBe(true);
  });

  it("counts UTF-8 bytes, not characters, in the length", () => {
    const text = `42["member:react",{"emoji":"🥁","name":"Zoë"}]`.repeat(5); // multi-byte characters around the 126 boundary
    expect(Buffer.byteLength(text)).toBeGreaterThan(text.length);
    expect(wsTextFrame(text).equals(reference(text))).toBe(true);
  });
});
