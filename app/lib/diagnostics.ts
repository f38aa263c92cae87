/**
 * What `window.__backbeat` shows (docs/diagnostics.md): the page's clock, audio path, playout per
 * partner and a log of recent hits. Types only, plus the bounded log; app/lib/session.ts fills them.
 */
import type { LegStats } from "../../core/clock-sync";
import type { PadId } from "../../core/kit";
import type { LateTargetId } from "../../core/playout";
import type { PlayMode } from "../../core/protocol";
import type { PartnerPaths } from "./connection/jam-connection";
import type { PartnerStats } from "./partner-playout";

export type { PartnerPaths, PartnerStats };

const DIAG_LOG_MAX = 500;

export interface DiagHit {
  kind: "local" | "remote";
  from: string;
  seq: number;
  pad: PadId;
  velocity: number;
  /** strike time on the shared clock */
  strikeAtMs: number;
  /**
   * remote: the strike the playout timed it by — strikeAtMs, or for a copy from the direct path
   * the sender's own clock moved onto this page's (core/peer-clock.ts); scheduledAtMs is this +
   * playoutDelayMs when on time. Absent for local hits.
   */
  timedStrikeAtMs?: number;
  /** remote: the path the played copy came by */
  path?: "direct" | "relay";
  /** shared time it will be heard at the speaker: its slot, or the earliest possible when late */
  scheduledAtMs: number;
  late: boolean;
  /** the partner's hit arrived so late it was not played at all */
  skipped: boolean;
  /** how far past its slot it is heard (0 when on time) */
  lateByMs: number;
  /** playout delay in force for this hit (remote), or the fair-monitoring delay (local; 0 when off) */
  playoutDelayMs: number;
  /** shared time it was received (remote) or struck (local) */
  receivedAtMs: number;
  /** the AudioContext time handed to the engine (null when skipped) */
  audioTime: number | null;
  /** performance.now() time the hit was mapped to sound at (null when skipped) */
  playAtLocalMs: number | null;
}

export interface Diagnostics {
  participantId: string;
  connected: boolean;
  clockOffsetMs: number | null;
  rttMs: number | null;
  clockErrorBoundMs: number | null;
  syncSamples: number;
  /** largest playout delay currently applied to any partner (the fixed default before any hit) */
  playoutDelayMs: number;
  mode: PlayMode;
  fairMonitoring: boolean;
  inputOffsetMs: number;
  /** what the browser reports: outputLatency + baseLatency */
  outputLatencyMs: number;
  /** what the page measures: a sound handed at currentTime is heard this long after now (largest of the last 10 s of readings; app/lib/audio-clock.ts) */
  outputPathMs: number | null;
  /** the output path partners' playout plans with (core/planned-path.ts), and how often it moved after its first reading */
  plannedPathMs: number | null;
  plannedPathChanges: { rises: number; falls: number };
  /** how often the audio clock's pairing stepped (a skipped render callback) and its line started again (core/audio-clock-line.ts) */
  audioClockSteps: number;
  /** the audio lead partners' playout plans with (the planned path + one render quantum + 1 ms) */
  audioLeadMs: number;
  /** quick ↔ safe: the late target for partners' hits */
  lateTarget: LateTargetId;
  /** your strike → your own sound (median of the last 50 hits, null before the first) */
  monitorLatencyMs: number | null;
  /** key/pad event → strike handled, last 50 strikes (null before the first; core/strike-handling.ts) */
  strikeHandlingMs: { p50: number; p95: number } | null;
  /** what monitoring can do best here: output path + one render quantum */
  monitorFloorMs: number | null;
  clockSkewPpm: number | null;
  clockErrorEstimateMs: number | null;
  /** this page's one-way legs to and from the server (clock sync), as published to partners */
  legs: LegStats | null;
  partners: PartnerStats[];
  /**
   * Per partner, the two paths of issue 15 (docs/direct-path.md): the path in use (direct / relay),
   * each path's one-way delay (median of its own copies), copies and first copies (played) per
   * path, and the direct channel's state (null: none — spectator, Groove mode, > 4 players, no WebRTC).
   */
  paths: PartnerPaths[];
  /** copies of partners' hits not played because the other path brought them first */
  duplicateHits: number;
  remoteHits: number;
  lateHits: number;
  skippedHits: number;
  /** own hits sent but not yet confirmed stored by the server */
  unackedHits: number;
  hits: DiagHit[];
  /** shared "now" as this page estimates it */
  sharedNow(): number;
  /** tests: tear down every open direct channel as a failure would (they retry with back-off) */
  breakDirect(): void;
  /** tests: no direct-path signalling from now on: the page plays over the relay only */
  blockDirect(): void;
  /** a fresh AudioContext.getOutputTimestamp(), to check the audio mapping from outside */
  outputTimestamp(): { contextTime: number; performanceTime: number } | null;
}

/** The last DIAG_LOG_MAX hits, oldest first. */
export class HitLog {
  private readonly hits: DiagHit[] = [];
  push(h: DiagHit): void {
    this.hits.push(h);
    if (this.hits.length > DIAG_LOG_MAX) this.hits.splice(0, this.hits.length - DIAG_LOG_MAX);
  }
  all(): DiagHit[] {
    return this.hits.slice();
  }
}
