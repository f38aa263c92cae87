import { describe, expect, it } from "vitest";
import type { MemberView } from "../../../core/protocol";
import { memberView, roomView } from "../../../test/support/views";
import { fairMonitoringDelayMs, mergeMemberQuality } from "./room-view";

const member = memberView;
const room = (members: MemberView[]) => roomView(members);

describe("mergeMemberQuality", () => {
  it("replaces one member's telemetry and nothing else, without touching the old view", () => {
    const before = room([member("ada-00001"), member("bo-000002", { rttMs: 9 })]);
    const q = {
      id: "ada-00001",
      rttMs: 12.5,
      clockErrorMs: 0.4,
      listening: [{ from: "bo-000002", delayMs: 30, oneWayMs: 10, jitterMs: 1, latePercent: 0, hits: 5 }],
      legs: { upP50Ms: 5, upP99Ms: 7, downP50Ms: 5, downP99Ms: 8 },
    };
    const after = mergeMemberQuality(before, q);
    expect(after.members[0]).toEqual({ ...before.members[0], rttMs: 12.5, clockErrorMs: 0.4, listening: q.listening, legs: q.legs });
    expect(after.members[1]).toBe(before.members[1]);
    expect(before.members[0]!.rttMs).toBeNull();
    expect(after).not.toBe(before);
  });

  it("ignores a member it does not know (the full view will bring them)", () => {
    const before = room([member("ada-00001")]);
    expect(mergeMemberQuality(before, { id: "zed-00009", rttMs: 1, clockErrorMs: null, listening: [], legs: null })).toBe(before);
  });
});

describe("fairMonitoringDelayMs", () => {
  it("is the largest delay a connected partner applies to my hits", () => {
    const l = (from: string, delayMs: number) => ({ from, delayMs, oneWayMs: null, jitterMs: null, latePercent: 0, hits: 0 });
    const r = room([
      member("me-000001"),
      member("bo-000002", { listening: [l("me-000001", 40)] }),
      member("cy-000003", { listening: [l("me-000001", 55), l("bo-000002", 90)] }),
      member("di-000004", { connected: false, listening: [l("me-000001", 300)] }),
    ]);
    expect(fairMonitoringDelayMs(r, "me-000001")).toBe(55);
    expect(fairMonitoringDelayMs(null, "me-000001")).toBe(0);
  });
});
