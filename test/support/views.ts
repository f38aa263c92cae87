/** A MemberView and a RoomView with plain defaults, for unit tests of what reads them. */
import type { MemberView, RoomView } from "../../core/protocol";

export const memberView = (id: string, extra: Partial<MemberView> = {}): MemberView => ({
  id,
  name: id,
  color: "#fff",
  rttMs: null,
  clockErrorMs: null,
  connected: true,
  isHost: false,
  isCoHost: false,
  role: "player",
  listening: [],
  legs: null,
  ...extra,
});

export const roomView = (members: MemberView[], extra: Partial<RoomView> = {}): RoomView => ({
  code: "brave-otter-7k3m9q2x",
  tempoBpm: 100,
  beatsPerBar: 4,
  epochMs: 0,
  beatUnit: 4,
  groove: "none",
  mode: "live",
  battle: null,
  recording: null,
  members,
  recordings: [],
  private: false,
  name: null,
  ...extra,
});
