/**
 * Room codes such as "brisk-otter-7k3m9q2x": readable, typeable, and drawn from
 * `crypto` randomness so a stranger cannot find a room by trying codes.
 *
 * A code is ten base-32 symbols (5 random bits each, 50 bits): the first two
 * are shown as words, the other eight in Crockford's base 32 (digits and
 * lowercase letters without i, l, o, u, so nothing reads as something else).
 * At the per-address look-up limit that is far beyond the reach of any scan:
 * see docs/architecture.md ("Rooms a stranger cannot find") and its test.
 *
 * Codes of the old format ("brisk-otter-42": 30 × 30 × 100 codes from a
 * seeded PRNG) stay valid, so existing links keep working.
 */

/** 32 words each (a power of two: one random symbol picks one without bias) */
const ADJECTIVES = [
  "brisk", "bold", "calm", "deep", "eager", "fierce", "gentle", "happy", "jolly", "keen",
  "lively", "mellow", "nimble", "proud", "quick", "rapid", "steady", "swift", "tidy", "vivid",
  "warm", "wild", "witty", "zesty", "sunny", "cosmic", "funky", "groovy", "snappy", "bright",
  "brave", "lucky",
] as const;
const ANIMALS = [
  "otter", "panda", "tiger", "falcon", "badger", "heron", "lynx", "koala", "bison", "gecko",
  "moose", "raven", "seal", "whale", "yak", "zebra", "crane", "dingo", "ferret", "ibex",
  "lemur", "macaw", "newt", "orca", "puffin", "quokka", "robin", "stork", "tapir", "wombat",
  "hare", "mole",
] as const;
/** Crockford's base 32, lowercase */
export const ROOM_CODE_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
/** base-32 symbols after the two words */
export const ROOM_CODE_TAIL_CHARS = 8;

const SYMBOL_BITS = Math.log2(ROOM_CODE_ALPHABET.length);
/** Entropy of a new code in bits: log2(32) + log2(32) + 8 × 5 = 50. */
export const ROOM_CODE_BITS = Math.log2(ADJECTIVES.length) + Math.log2(ANIMALS.length) + ROOM_CODE_TAIL_CHARS * SYMBOL_BITS;

/** New codes: two words and the base-32 tail. */
const NEW_FORMAT = new RegExp(`^[a-z]{2,12}-[a-z]{2,12}-[${ROOM_CODE_ALPHABET}]{${ROOM_CODE_TAIL_CHARS}}$`);
/** Codes made before 50-bit codes existed (still valid): two words and 0–99. */
const OLD_FORMAT = /^[a-z]{2,12}-[a-z]{2,12}-\d{1,3}$/;
/** Every valid room code, old or new format (the protocol, the HTTP routes and the tests use it). */
export const ROOM_CODE_PATTERN = new RegExp(`${NEW_FORMAT.source}|${OLD_FORMAT.source}`);

export const isRoomCode = (s: string): boolean => ROOM_CODE_PATTERN.test(s);
export const isNewFormatRoomCode = (s: string): boolean => NEW_FORMAT.test(s);

/** `n` bytes from the platform's CSPRNG (Web Crypto: Node ≥ 19 and every browser). */
export function cryptoRandomBytes(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

/** A new room code; `randomBytes` is for tests (it must be a CSPRNG in production). */
export function generateRoomCode(randomBytes: (n: number) => Uint8Array = cryptoRandomBytes): string {
  // 256 is a multiple of 32: the low five bits of a uniform byte are a uniform symbol.
  const symbols = Array.from(randomBytes(2 + ROOM_CODE_TAIL_CHARS), (b) => b & 31);
  if (symbols.length !== 2 + ROOM_CODE_TAIL_CHARS) throw new RangeError(`randomBytes must return ${2 + ROOM_CODE_TAIL_CHARS} bytes, got: ${symbols.length}`);
  const [adjective, animal, ...tail] = symbols as [number, number, ...number[]];
  return `${ADJECTIVES[adjective]}-${ANIMALS[animal]}-${tail.map((s) => ROOM_CODE_ALPHABET[s]).join("")}`;
}

/**
 * A code as someone typed it (landing page): lowercase, no spaces, and in a
 * new-format tail the letters Crockford reads as digits (i, l → 1, o → 0).
 */
export function normalizeTypedRoomCode(typed: string): string {
  const c = typed.trim().toLowerCase().replace(/\s+/g, "");
  const m = /^([a-z]+-[a-z]+-)([0-9a-z]{8})$/.exec(c);
  return m ? m[1]! + m[2]!.replace(/[il]/g, "1").replace(/o/g, "0") : c;
}
