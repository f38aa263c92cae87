import { describe, expect, it } from "vitest";
import { presenceChanges, presenceText, waitingForPartner } from "./presence";

const m = (id: string, connected = true, role: "player" | "spectator" = "player") => ({ id, name: id.toUpperCase(), role, connected });

describe("presenceChanges", () => {
  it("says nothing on your own first view of the room", () => {
    expect(presenceChanges(null, [m("me"), m("sam")], "me")).toEqual([]);
  });
  it("reports a partner who joins, drops, comes back and leaves — never yourself", () => {
    expect(presenceChanges([m("me")], [m("me"), m("sam")], "me").map(presenceText)).toEqual(["SAM joined"]);
    expect(presenceChanges([m("me"), m("sam")], [m("me"), m("sam", false)], "me").map(presenceText)).toEqual(["SAM lost the connection"]);
    expect(presenceChanges([m("me"), m("sam", false)], [m("me"), m("sam")], "me").map(presenceText)).toEqual(["SAM is back"]);
    expect(presenceChanges([m("me"), m("sam")], [m("me")], "me").map(presenceText)).toEqual(["SAM left"]);
    expect(presenceChanges([m("me", false)], [m("me")], "me")).toEqual([]);
  });
  it("does not report a greyed seat being removed a second time", () => {
    expect(presenceChanges([m("me"), m("sam", false)], [m("me")], "me")).toEqual([]);
  });
  it("names spectators as such", () => {
    expect(presenceChanges([m("me")], [m("me"), m("eve", true, "spectator")], "me").map(presenceText)).toEqual(["EVE (spectator) joined"]);
  });
  it("ignores a member whose figures changed only", () => {
    const prev = [m("me"), m("sam")];
    expect(presenceChanges(prev, prev.map((x) => ({ ...x })), "me")).toEqual([]);
  });
});

describe("waitingForPartner", () => {
  it("is true for a player alone or with spectators / offline players only", () => {
    expect(waitingForPartner([m("me")], "me")).toBe(true);
    expect(waitingForPartner([m("me"), m("eve", true, "spectator"), m("sam", false)], "me")).toBe(true);
  });
  it("is false once another player is connected, and for spectators", () => {
    expect(waitingForPartner([m("me"), m("sam")], "me")).toBe(false);
    expect(waitingForPartner([m("me", true, "spectator")], "me")).toBe(false);
    expect(waitingForPartner([], "me")).toBe(false);
  });
});
