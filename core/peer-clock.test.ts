import { describe, expect, it } from "vitest";
import { PEER_CLOCK_WINDOW, PeerClock, peerClockSample } from "./peer-clock";
import { seededRng } from "./rng";

describe("peerClockSample", () => {
  it("reads the partner's clock against mine at the ping's middle", () => {
    // partner reads 3.5 ms ahead; legs of 0.6 and 0.9 ms: the error is half their difference
    const s0 = 1_000;
    const s1 = s0 + 0.6 + 3.5;
    const s3 = s0 + 0.6 + 0.9;
    const s = peerClockSample(s0, s1, s3)!;
    expect(s.rttMs).toBeCloseTo(1.5, 9);
    expect(s.offsetMs).toBeCloseTo(3.5 + (0.6 - 0.9) / 2, 9);
  });

  it("refuses a pong from before its ping", () => {
    expect(peerClockSample(1_000, 1_003, 999)).toBeNull();
    expect(peerClockSample(1_000, Number.NaN, 1_002)).toBeNull();
  });
});

describe("PeerClock", () => {
  it("takes the shortest round trip of the newest samples: a ping held up on one side does not move it", () => {
    const rand = seededRng(7);
    const clock = new PeerClock();
    expect(clock.offsetMs).toBeNull();
    const trueOffsetMs = -4.2;
    let s0 = 0;
    for (let i = 0; i < 40; i++) {
      s0 += 250;
      const up = 0.5 + rand() * 0.5;
      // every 5th ping waits 20 ms in the partner's busy main thread before it is stamped
      const held = i % 5 === 4 ? 20 : 0;
      const down = 0.5 + rand() * 0.5;
      const s1 = s0 + up + held + trueOffsetMs;
      const s3 = s0 + up + held + down;
      clock.add(peerClockSample(s0, s1, s3)!);
      expect(Math.abs(clock.offsetMs! - trueOffsetMs)).toBeLessThanOrEqual(clock.errorBoundMs!);
      expect(clock.errorBoundMs!).toBeLessThan(1);
    }
  });

  it("follows a step in either page's sync within its window", () => {
    const clock = new PeerClock();
    const add = (s0: number, offsetMs: number, rttMs: number) => clock.add(peerClockSample(s0, s0 + rttMs / 2 + offsetMs, s0 + rttMs)!);
    add(0, 2, 0.8); // the best round trip, then the partner's sync moves by 3 ms
    for (let i = 1; i < PEER_CLOCK_WINDOW; i++) add(i * 250, 5, 1.2);
    expect(clock.offsetMs).toBeCloseTo(2, 9); // the old sample is still the window's best
    add(PEER_CLOCK_WINDOW * 250, 5, 1.2);
    expect(clock.offsetMs).toBeCloseTo(5, 9);
    clock.reset();
    expect(clock.offsetMs).toBeNull();
  });
});
