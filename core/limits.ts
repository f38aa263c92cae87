/**
 * The protocol's version and bounds, without zod: the forms of the home and room pages check
 * lengths and ranges with them, and importing core/protocol.ts (zod schemas) for that would ship
 * zod (~31 kB gzipped) to every page (docs/benchmarks/bundle.md). core/protocol.ts builds its
 * schemas from these and re-exports them.
 */

/** Bump on any incompatible change; the server refuses other versions. */
export const PROTOCOL_VERSION = 1;

export const LIMITS = {
  nameMaxChars: 32,
  titleMaxChars: 80,
  /** a room's name (the host names it): short enough for a phone's header */
  roomNameMaxChars: 40,
  /** optional passcode of a private room */
  passcodeMinChars: 4,
  passcodeMaxChars: 64,
  tempoMinBpm: 40,
  tempoMaxBpm: 240,
  /** a hit's strike time may not be further than this from the server's now */
  strikeSkewMaxMs: 60_000,
  /** Socket.IO's maxHttpBufferSize: every message here is tiny */
  maxMessageBytes: 16 * 1024,
  /**
   * The one range of each stored field of a hit (and hearing): the schemas, parseHitFast
   * and the store (server/storage/prisma-store.ts) all check these, so nothing the
   * protocol accepts is refused by the database (issue 12: a seq of 2^31 blocked a
   * room's recording). seq: the Hit.seq column is a 32-bit INTEGER on PostgreSQL.
   */
  seqMin: 1,
  seqMax: 2 ** 31 - 1,
  velocityMin: 0,
  velocityMax: 1,
  /** shared-clock times (strikeAtMs, soundedAtMs): the range of a JavaScript Date */
  timeMsMin: -8.64e15,
  timeMsMax: 8.64e15,
} as const;
