/**
 * One adaptive playout per partner, with what the page knows before their
 * first hit (the prior from clock-sync legs), the player's quick ↔ safe choice,
 * and Groove mode's whole bars. No DOM, no sockets: the session feeds it.
 */
import { decideDeadline } from "../../core/audio-deadline";
import type { LegStats } from "../../core/clock-sync";
import { beatMs } from "../../core/metronome";
import { grooveDelay } from "../../core/play-mode";
import { AdaptivePlayout, LATE_TARGET_IDS, LATE_TARGETS, type AdaptiveDecision, type LateTargetId } from "../../core/playout";
import type { PlayMode, RoomView } from "../../core/protocol";

/** The server's own relay time between receiving a hit and sending it on (measured ~0.1–0.5 ms). */
const RELAY_MS = 0.5;

/** What this page measures of one partner's hits. */
export interface PartnerStats {
  from: string;
  mode: PlayMode;
  /** delay applied to this partner's hits (groove: whole bars) */
  delayMs: number;
  /** what live mode would need (the adaptive delay) */
  adaptiveDelayMs: number;
  /** the transit expected before hits are known: their up-leg + your down-leg (null: not reported yet) */
  priorTransitMs: number | null;
  grooveBars: number | null;
  oneWayMs: number | null;
  jitterMs: number | null;
  hits: number;
  late: number;
  skipped: number;
  latePercent: number;
  /** how often the delay changed after the first hit */
  delayChanges: number;
  /** what the delay would be at each late target (null before the first hit) */
  costs: Record<LateTargetId, number | null>;
}

export class PartnerPlayouts {
  private readonly playouts = new Map<string, AdaptivePlayout>();
  /** per partner: the relay's prior (clock-sync legs) and the direct channel's (its pings), null = unknown */
  private readonly relayPriors = new Map<string, number | null>();
  private readonly directPriors = new Map<string, number | null>();
  private lateTarget: LateTargetId;
  private beatMs = 600;
  private barMs = 2_400;

  constructor(lateTarget: LateTargetId) {
    this.lateTarget = lateTarget;
  }

  get target(): LateTargetId {
    return this.lateTarget;
  }

  /** Takes effect at each partner's next rest (or at once if a hit misses). */
  setLateTarget(id: LateTargetId): void {
    this.lateTarget = id;
    for (const p of this.playouts.values()) p.setTargetLateFraction(LATE_TARGETS[id]);
  }

  private playoutFor(from: string): AdaptivePlayout {
    let p = this.playouts.get(from);
    if (!p) {
      p = new AdaptivePlayout({ targetLateFraction: LATE_TARGETS[this.lateTarget], restMs: this.beatMs, shrinkRestMs: this.barMs });
      this.playouts.set(from, p);
    }
    return p;
  }

  /**
   * From the room view: the rest length (a beat of the room's tempo) and, for
   * every other player, the prior — their up-leg and this page's down-leg, both
   * at the 99th percentile, as clock sync measured them.
   */
  onRoom(room: RoomView, selfId: string, myLegs: LegStats | null): void {
    this.beatMs = beatMs(room.tempoBpm);
    this.barMs = this.beatMs * room.beatsPerBar;
    for (const m of room.members) {
      if (m.id === selfId || m.role !== "player") continue;
      const p = this.playoutFor(m.id);
      p.setRests(this.beatMs, this.barMs);
      this.relayPriors.set(m.id, m.legs && myLegs ? m.legs.upP99Ms + myLegs.downP99Ms + RELAY_MS : null);
      this.applyPrior(m.id);
    }
  }

  /**
   * The direct channel's prior for `from` (issue 15; null: no open channel). The playout's prior is
   * the shorter path's: the first copies come over it. With the channel open before the partner's
   * first hit, their delay starts at the direct path's level instead of the relay's.
   */
  setDirectPrior(from: string, priorMs: number | null): void {
    if ((this.directPriors.get(from) ?? null) === priorMs) return;
    this.directPriors.set(from, priorMs);
    this.applyPrior(from);
  }

  /** The partner's hits now come over another path (issue 15): relearn from the relay's prior (AdaptivePlayout.pathChanged). */
  pathChanged(from: string): void {
    this.directPriors.set(from, null);
    this.playouts.get(from)?.pathChanged(this.relayPriors.get(from) ?? null);
  }

  private applyPrior(from: string): void {
    const priors = [this.relayPriors.get(from), this.directPriors.get(from)].filter((x): x is number => typeof x === "number");
    this.playoutFor(from).setPriorTransit(priors.length ? Math.min(...priors) : null);
  }

  /**
   * A partner's hit arrived at nowMs (shared). leadMs: the audio lead the delay plans for;
   * deadlineLeadMs: the one in force now (AdaptivePlayout.onArrival).
   */
  decide(from: string, strikeAtMs: number, nowMs: number, leadMs: number, mode: PlayMode, barMs: number, deadlineLeadMs = leadMs): AdaptiveDecision {
    const d = this.playoutFor(from).onArrival(strikeAtMs, nowMs, leadMs, deadlineLeadMs);
    if (mode !== "groove") return d;
    // Whole bars of delay: the partner's beat 1 lands on your beat 1.
    const g = grooveDelay(d.delayMs, barMs);
    const dd = decideDeadline(strikeAtMs + g.delayMs, nowMs, deadlineLeadMs);
    return { ...dd, skipped: false, delayMs: g.delayMs, changed: false };
  }

  stats(mode: PlayMode, barMs: number, leadMs: number): PartnerStats[] {
    return [...this.playouts.entries()].map(([from, p]) => {
      const t = p.transit;
      const live = p.delayMs(leadMs);
      const g = mode === "groove" ? grooveDelay(live, barMs) : null;
      const costs = Object.fromEntries(LATE_TARGET_IDS.map((id) => [id, p.delayForTarget(LATE_TARGETS[id], leadMs)])) as Record<LateTargetId, number | null>;
      return {
        from,
        mode,
        delayMs: g ? g.delayMs : live,
        adaptiveDelayMs: live,
        priorTransitMs: p.priorTransit,
        grooveBars: g ? g.bars : null,
        oneWayMs: t ? t.p50Ms : null,
        jitterMs: t ? t.jitterMs : null,
        hits: p.stats.received,
        late: p.stats.late,
        skipped: p.skipped,
        latePercent: p.stats.latePercent,
        delayChanges: p.changes,
        costs,
      };
    });
  }
}
