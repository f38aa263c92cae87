import { describe, expect, it } from "vitest";
import { assignKey, defaultKeyMap, keyLabel, padForKeyIn } from "./keymap";

describe("keymap", () => {
  it("starts from the kit's keys", () => {
    const m = defaultKeyMap();
    expect(m.kick).toBe("x");
    expect(padForKeyIn(m, "X")).toBe("kick");
  });

  it("assigns a new key and swaps when the key was taken", () => {
    const m = assignKey(defaultKeyMap(), "kick", "C"); // C was the snare's
    expect(m.kick).toBe("c");
    expect(m.snare).toBe("x");
    expect(new Set(Object.values(m)).size).toBe(8);
    const j = assignKey(m, "ride", "j");
    expect(padForKeyIn(j, "j")).toBe("ride");
    expect(padForKeyIn(j, "g")).toBeUndefined();
  });

  it("labels keys for display", () => {
    expect(keyLabel("x")).toBe("X");
    expect(keyLabel(" ")).toBe("Space");
    expect(keyLabel("ArrowUp")).toBe("ArrowUp");
  });
});
