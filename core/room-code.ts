/** Short, readable room codes such as "brisk-otter-42". */
import type { Rng } from "./rng";

const ADJECTIVES = [
  "brisk", "bold", "calm", "deep", "eager", "fierce", "gentle", "happy", "jolly", "keen",
  "lively", "mellow", "nimble", "proud", "quick", "rapid", "steady", "swift", "tidy", "vivid",
  "warm", "wild", "witty", "zesty", "sunny", "cosmic", "funky", "groovy", "snappy", "bright",
];
const ANIMALS = [
  "otter", "panda", "tiger", "falcon", "badger", "heron", "lynx", "koala", "bison", "gecko",
  "moose", "raven", "seal", "whale", "yak", "zebra", "crane", "dingo", "ferret", "ibex",
  "lemur", "macaw", "newt", "orca", "puffin", "quokka", "robin", "stork", "tapir", "wombat",
];

export function generateRoomCode(rng: Rng): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rng() * list.length)] as T;
  return `${pick(ADJECTIVES)}-${pick(ANIMALS)}-${Math.floor(rng() * 100)}`;
}
