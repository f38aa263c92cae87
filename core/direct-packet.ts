/**
 * The datagram of the direct (peer-to-peer) path, issue 15: one partner's
 * hits over a WebRTC data channel opened `ordered: false, maxRetransmits: 0`,
 * i.e. UDP-like — a lost packet is never resent. Instead every packet carries
 * the newest hit plus the last few (`DIRECT_REDUNDANCY`), so a loss episode
 * shorter than the gap to the next few hits costs nothing, and nothing ever
 * waits behind a lost packet (no head-of-line blocking). The relay (Socket.IO)
 * still carries and stores every hit; the listener plays whichever copy comes
 * first (core/first-copy.ts).
 *
 * The sender is not in the packet: a data channel joins exactly two
 * participants, so the channel says who struck it (as the socket does for
 * `hit`, core/protocol.ts HitMsg).
 *
 * Why a binary layout rather than JSON + zod: a packet of 4 hits is 64 bytes
 * instead of ~300, of a size known before it is parsed (so the decoder checks
 * the length first and refuses anything else without allocating), well inside
 * one SCTP chunk and any MTU; it arrives from a peer, not from our server, so it
 * is validated field by field all the same. strikeAtMs stays a float64 so both
 * paths' copies of a hit are bit-identical (core/first-copy.ts tells a
 * duplicate from a restarted sender by it).
 *
 * Layout, little-endian:
 *   header 4 bytes: magic 0x42 ('B'), version, hit count (1..DIRECT_MAX_HITS), flags (bit 0: clock)
 *   clock  8 bytes when flag bit 0: float64, the sender's local clock − shared clock as it sent the
 *          packet (its strikes on its own clock: core/peer-clock.ts)
 *   per hit 15 bytes, newest first:
 *     seq        uint32   [1, 2^31 − 1] (LIMITS.seqMin/seqMax)
 *     strikeAtMs float64  shared clock, finite, LIMITS.timeMsMin/timeMsMax
 *     pad        uint8    index into PAD_IDS
 *     velocity   uint16   round(velocity · 65535): steps of 1.5e-5, ~96 dB below full
 *                          scale — inaudible, and the stored copy is the relay's anyway
 */
import type { SentHit } from "./hit";
import { PAD_IDS, type PadId } from "./kit";
import { LIMITS } from "./limits";

export const DIRECT_PACKET_MAGIC = 0x42;
export const DIRECT_PACKET_VERSION = 1;
export const DIRECT_HEADER_BYTES = 4;
export const DIRECT_HIT_BYTES = 15;
/**
 * Previous hits each packet repeats (so a packet holds up to 1 + 3 hits, 64 bytes).
 * Why 3 (docs/direct-path.md, docs/benchmarks/timing.md "Direct path"): loss on a
 * datagram path comes in episodes of tens of ms (a queue overflowing, a Wi-Fi fade),
 * while the hits worth rescuing are those struck close together — limbs on one beat,
 * flams, a 32nd-note fill (75 ms apart at 100 BPM, 31 ms at 240). Three later packets
 * span such an episode in a fill and a whole 4-limb chord; a copy of an older hit
 * would arrive long after its slot, when the relay's copy has already played it.
 */
export const DIRECT_REDUNDANCY = 3;
/**
 * What a listener accepts: more than a sender sends today, so a later sender may
 * raise the redundancy without breaking older listeners.
 */
export const DIRECT_MAX_HITS = 8;
/**
 * Older hits are not repeated: a copy arriving this long after its strike has
 * missed any slot the adaptive playout sets on these paths (its delay is the
 * transit's p99.5 plus the output lead), and the relay covers it.
 */
export const DIRECT_REDUNDANCY_MAX_AGE_MS = 250;

const VELOCITY_STEPS = 65_535;
const PAD_INDEX: ReadonlyMap<PadId, number> = new Map(PAD_IDS.map((p, i) => [p, i]));

export interface DirectPacket {
  /** newest first: hits[0] is the one the packet was sent for, the rest are repeats */
  hits: SentHit[];
  /**
   * the sender's local clock − its shared clock when it sent the packet (null: not given): its
   * strikes on its own monotonic clock, which no clock sync moves (core/peer-clock.ts)
   */
  localMinusSharedMs: number | null;
}
const CLOCK_FLAG = 1;
const CLOCK_BYTES = 8;

export type DirectDecodeResult = { ok: true; packet: DirectPacket } | { ok: false; error: string };

/** What a hit's fields must be (the protocol's bounds), or null. */
function hitError(h: SentHit, i: number): string | null {
  if (!Number.isInteger(h.seq) || h.seq < LIMITS.seqMin || h.seq > LIMITS.seqMax) {
    return `hit ${i}: seq must be an integer within [${LIMITS.seqMin}, ${LIMITS.seqMax}], got: ${h.seq}`;
  }
  if (!(h.strikeAtMs >= LIMITS.timeMsMin && h.strikeAtMs <= LIMITS.timeMsMax)) {
    return `hit ${i}: strikeAtMs must be within [${LIMITS.timeMsMin}, ${LIMITS.timeMsMax}], got: ${h.strikeAtMs}`;
  }
  if (!(h.velocity >= LIMITS.velocityMin && h.velocity <= LIMITS.velocityMax)) {
    return `hit ${i}: velocity must be within [${LIMITS.velocityMin}, ${LIMITS.velocityMax}], got: ${h.velocity}`;
  }
  if (!PAD_INDEX.has(h.pad)) return `hit ${i}: pad must be one of ${PAD_IDS.join(", ")}, got: ${String(h.pad)}`;
  return null;
}

/** The packet of `hits` (newest first). Throws RangeError on hits the protocol would refuse: a bug of the sender. */
export function encodeDirectPacket(hits: readonly SentHit[], localMinusSharedMs: number | null = null): Uint8Array<ArrayBuffer> {
  if (hits.length < 1 || hits.length > DIRECT_MAX_HITS) {
    throw new RangeError(`a direct packet holds 1 to ${DIRECT_MAX_HITS} hits, got: ${hits.length}`);
  }
  if (localMinusSharedMs !== null && !Number.isFinite(localMinusSharedMs)) throw new RangeError(`localMinusSharedMs must be finite, got: ${localMinusSharedMs}`);
  const head = DIRECT_HEADER_BYTES + (localMinusSharedMs === null ? 0 : CLOCK_BYTES);
  const bytes = new Uint8Array(head + hits.length * DIRECT_HIT_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, DIRECT_PACKET_MAGIC);
  view.setUint8(1, DIRECT_PACKET_VERSION);
  view.setUint8(2, hits.length);
  view.setUint8(3, localMinusSharedMs === null ? 0 : CLOCK_FLAG);
  if (localMinusSharedMs !== null) view.setFloat64(DIRECT_HEADER_BYTES, localMinusSharedMs, true);
  const seen = new Set<number>();
  hits.forEach((h, i) => {
    const error = hitError(h, i) ?? (seen.has(h.seq) ? `hit ${i}: seq ${h.seq} twice in one packet` : null);
    if (error) throw new RangeError(error);
    seen.add(h.seq);
    const at = head + i * DIRECT_HIT_BYTES;
    view.setUint32(at, h.seq, true);
    view.setFloat64(at + 4, h.strikeAtMs, true);
    view.setUint8(at + 12, PAD_INDEX.get(h.pad)!);
    view.setUint16(at + 13, Math.round(h.velocity * VELOCITY_STEPS), true);
  });
  return bytes;
}

/**
 * Parses a packet from a peer (a data channel's `event.data`). Never throws: a
 * malformed packet is refused with the first reason found (not binary, wrong
 * size, magic, version, flags, count, or a field out of the protocol's range),
 * and the caller drops it.
 */
export function decodeDirectPacket(data: unknown): DirectDecodeResult {
  const fail = (error: string): DirectDecodeResult => ({ ok: false, error: `direct packet: ${error}` });
  // a data channel hands over whatever the peer sent: a string too, whatever binaryType says
  if (!(data instanceof ArrayBuffer) && !ArrayBuffer.isView(data)) {
    return fail(`must be binary (an ArrayBuffer or a view of one), got: ${data === null ? "null" : typeof data}`);
  }
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.byteLength < DIRECT_HEADER_BYTES + DIRECT_HIT_BYTES) {
    return fail(`must be at least ${DIRECT_HEADER_BYTES + DIRECT_HIT_BYTES} bytes, got: ${bytes.byteLength}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint8(0);
  if (magic !== DIRECT_PACKET_MAGIC) return fail(`magic must be 0x${DIRECT_PACKET_MAGIC.toString(16)}, got: 0x${magic.toString(16)}`);
  const version = view.getUint8(1);
  if (version !== DIRECT_PACKET_VERSION) return fail(`version must be ${DIRECT_PACKET_VERSION}, got: ${version}`);
  const count = view.getUint8(2);
  if (count < 1 || count > DIRECT_MAX_HITS) return fail(`hit count must be within [1, ${DIRECT_MAX_HITS}], got: ${count}`);
  const flags = view.getUint8(3);
  if (flags !== 0 && flags !== CLOCK_FLAG) return fail(`flags must be 0 or ${CLOCK_FLAG}, got: ${flags}`);
  const head = DIRECT_HEADER_BYTES + (flags === CLOCK_FLAG ? CLOCK_BYTES : 0);
  const expected = head + count * DIRECT_HIT_BYTES;
  if (bytes.byteLength !== expected) return fail(`${count} hits take ${expected} bytes, got: ${bytes.byteLength}`);
  const localMinusSharedMs = flags === CLOCK_FLAG ? view.getFloat64(DIRECT_HEADER_BYTES, true) : null;
  if (localMinusSharedMs !== null && !Number.isFinite(localMinusSharedMs)) return fail(`clock must be finite, got: ${localMinusSharedMs}`);
  const hits: SentHit[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < count; i++) {
    const at = head + i * DIRECT_HIT_BYTES;
    const padIndex = view.getUint8(at + 12);
    const pad = PAD_IDS[padIndex];
    if (pad === undefined) return fail(`hit ${i}: pad index must be within [0, ${PAD_IDS.length - 1}], got: ${padIndex}`);
    const velocityStep = view.getUint16(at + 13, true);
    const hit: SentHit = { seq: view.getUint32(at, true), strikeAtMs: view.getFloat64(at + 4, true), pad, velocity: velocityStep / VELOCITY_STEPS };
    const error = hitError(hit, i) ?? (seen.has(hit.seq) ? `hit ${i}: seq ${hit.seq} twice in one packet` : null);
    if (error) return fail(error);
    seen.add(hit.seq);
    hits.push(hit);
  }
  return { ok: true, packet: { hits, localMinusSharedMs } };
}

/**
 * The sender's side: remembers the last hits and makes each new hit's packet
 * (the hit, then up to `redundancy` earlier ones struck within `maxAgeMs` of it).
 */
export class DirectSendWindow {
  private recent: SentHit[] = [];

  constructor(
    private readonly redundancy = DIRECT_REDUNDANCY,
    private readonly maxAgeMs = DIRECT_REDUNDANCY_MAX_AGE_MS,
  ) {
    if (!Number.isInteger(redundancy) || redundancy < 0 || redundancy >= DIRECT_MAX_HITS) {
      throw new RangeError(`redundancy must be an integer within [0, ${DIRECT_MAX_HITS - 1}], got: ${redundancy}`);
    }
  }

  /** The hits of the packet to send for `hit`, newest first (encode with encodeDirectPacket). */
  hitsFor(hit: SentHit): SentHit[] {
    const repeats = this.recent.filter((h) => hit.strikeAtMs - h.strikeAtMs <= this.maxAgeMs && h.seq !== hit.seq);
    this.recent = [hit, ...repeats].slice(0, this.redundancy + 1);
    return [...this.recent];
  }

  /** The packet for `hit` (with the sender's clock: DirectPacket.localMinusSharedMs). */
  packetFor(hit: SentHit, localMinusSharedMs: number | null = null): Uint8Array<ArrayBuffer> {
    return encodeDirectPacket(this.hitsFor(hit), localMinusSharedMs);
  }
}

/**
 * The channel's second packet kind: a ping (and its echo) every DIRECT_PING_INTERVAL_MS while
 * the channel is open. Half the round trip is the direct path's one-way delay before any hit,
 * silence on the channel (no hit, no pong) is how a stall is seen, and the answerer's clock in
 * the pong tells the two pages' clocks apart (core/peer-clock.ts) (docs/direct-path.md).
 * 20 bytes: magic 0x50 ('P'), version, kind (0 ping, 1 pong), flags (bit 0: t1Ms set), then
 * float64s: t0Ms (the pinger's local clock, echoed unchanged) and t1Ms (pongs: the answerer's
 * local clock when the ping reached it).
 */
export const DIRECT_PING_MAGIC = 0x50;
export const DIRECT_PING_BYTES = 20;
export const DIRECT_PING_INTERVAL_MS = 250;
/** ping flags bit 0: t1Ms is set (a pong's answerer's clock) */
const PING_T1_FLAG = 1;

export interface DirectPing {
  kind: "ping" | "pong";
  t0Ms: number;
  /** pongs: the answerer's local clock when the ping reached it (null: not given) */
  t1Ms?: number | null;
}

export function encodeDirectPing(ping: DirectPing): Uint8Array<ArrayBuffer> {
  if (!Number.isFinite(ping.t0Ms)) throw new RangeError(`t0Ms must be finite, got: ${ping.t0Ms}`);
  const t1 = typeof ping.t1Ms === "number" && Number.isFinite(ping.t1Ms) ? ping.t1Ms : null;
  const bytes = new Uint8Array(DIRECT_PING_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, DIRECT_PING_MAGIC);
  view.setUint8(1, DIRECT_PACKET_VERSION);
  view.setUint8(2, ping.kind === "ping" ? 0 : 1);
  view.setUint8(3, t1 === null ? 0 : PING_T1_FLAG);
  view.setFloat64(4, ping.t0Ms, true);
  view.setFloat64(12, t1 ?? 0, true);
  return bytes;
}

/** A ping or pong from the peer, or null when `data` is not one (it may be a hit packet: decodeDirectPacket). */
export function decodeDirectPing(data: unknown): DirectPing | null {
  if (!(data instanceof ArrayBuffer) && !ArrayBuffer.isView(data)) return null;
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.byteLength !== DIRECT_PING_BYTES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const flags = view.getUint8(3);
  if (view.getUint8(0) !== DIRECT_PING_MAGIC || view.getUint8(1) !== DIRECT_PACKET_VERSION || (flags !== 0 && flags !== PING_T1_FLAG)) return null;
  const kind = view.getUint8(2);
  const t0Ms = view.getFloat64(4, true);
  const t1Ms = flags === PING_T1_FLAG ? view.getFloat64(12, true) : null;
  if ((kind !== 0 && kind !== 1) || !Number.isFinite(t0Ms) || (t1Ms !== null && !Number.isFinite(t1Ms))) return null;
  return { kind: kind === 0 ? "ping" : "pong", t0Ms, t1Ms };
}
