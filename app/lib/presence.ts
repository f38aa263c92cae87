/**
 * Who came and went between two room views (issue 14, "Presence"): a partner joined, is back,
 * dropped offline or left. Pure: the room page turns each change into a notice. Not for
 * yourself, and nothing on your own first view of the room (everyone already there was there
 * before you).
 */
import type { MemberView } from "../../core/protocol";

export type PresenceChange = { id: string; name: string; role: MemberView["role"]; kind: "joined" | "back" | "offline" | "left" };

type Member = Pick<MemberView, "id" | "name" | "role" | "connected">;

export function presenceChanges(prev: readonly Member[] | null, next: readonly Member[], me: string | undefined): PresenceChange[] {
  if (prev === null) return []; // your own first join
  const before = new Map(prev.map((m) => [m.id, m]));
  const out: PresenceChange[] = [];
  for (const m of next) {
    if (m.id === me) continue;
    const was = before.get(m.id);
    if (!was) {
      if (m.connected) out.push({ id: m.id, name: m.name, role: m.role, kind: "joined" });
    } else if (!was.connected && m.connected) out.push({ id: m.id, name: m.name, role: m.role, kind: "back" });
    else if (was.connected && !m.connected) out.push({ id: m.id, name: m.name, role: m.role, kind: "offline" });
  }
  const now = new Set(next.map((m) => m.id));
  for (const m of prev) {
    // someone already offline who is then removed (Leave after a drop, an idle seat) left without a second notice
    if (m.id !== me && !now.has(m.id) && m.connected) out.push({ id: m.id, name: m.name, role: m.role, kind: "left" });
  }
  return out;
}

export function presenceText(c: PresenceChange): string {
  const who = c.role === "spectator" ? `${c.name} (spectator)` : c.name;
  switch (c.kind) {
    case "joined":
      return `${who} joined`;
    case "back":
      return `${who} is back`;
    case "offline":
      return `${who} lost the connection`;
    case "left":
      return `${who} left`;
  }
}

/** You are a player and no other player is connected: the room waits for a partner. */
export function waitingForPartner(members: readonly Member[], me: string | undefined): boolean {
  const self = members.find((m) => m.id === me);
  if (!self || self.role !== "player") return false;
  return !members.some((m) => m.id !== me && m.role === "player" && m.connected);
}
