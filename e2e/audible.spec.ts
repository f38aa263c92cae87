/**
 * The partner's hits are HEARD when the listener's diagnostics say they are.
 *
 * Two browser contexts on a loopback link; the listener has a long output path
 * (latencyHint 0.1 s, like a phone or Bluetooth headset) and the audio tap
 * (bench/audio-tap.ts): every sample that reaches its destination goes
 * through an onset detector, and each onset is put on the machine's clock
 * through the audio clock's getOutputTimestamp() line. A hit the listener logs
 * as on time must sound at its `scheduledAtMs`; a hit logged late must sound
 * at the (later) time it was logged with. A playout that judges "on time"
 * without the output path (before commit e4d4cc7) hands such hits to the
 * engine in the past: they sound late by the output path while logged on time,
 * and this test fails.
 */
import { expect, test } from "@playwright/test";
import { contextToEpochMs, engineContext, fitAudioClock, heardOnsets, matchOnsets, outputPathMs } from "../bench/audible";
import { STEADY_16THS } from "../bench/audible-rhythms";
import { DEFAULT_DETECTOR } from "../bench/audio-tap";
import { createAndJoin, playHitsInPage, preparePlayer, readTap, silenceRoom, startTap } from "../bench/room-pages";
import { useAppServer } from "./support/app";

/** heard within this of the logged time: clock sync on loopback (~0.2 ms), the detector (+0.1…0.46 ms), the fit (~0.1 ms) */
const TOLERANCE_MS = 2;
/** the engine plays a hit where it was handed: only the detector's bias (+0.1…0.46 ms) and one frame */
const HANDED_TOLERANCE_MS = 1;
/**
 * 16ths, 150 ms apart: on a busy machine the partner page's main thread can
 * stall and fire several strikes at once; hits closer than the detector's
 * 40 ms refractory cannot each get their own onset and are left out (counted).
 */
const HITS = STEADY_16THS.hits.slice(0, 30);
const RESOLVABLE_MS = DEFAULT_DETECTOR.refractoryMs + 5;

interface LoggedHit {
  kind: string;
  from: string;
  seq: number;
  scheduledAtMs: number;
  late: boolean;
  skipped?: boolean;
  /** the AudioContext time handed to the engine (null: skipped) */
  audioTime?: number | null;
}

const app = useAppServer();

test("every partner hit sounds when the listener's diagnostics say it does (output path 0.1 s, loopback)", async ({ browser }) => {
  const ctxA = await browser.newContext({ baseURL: app.url });
  // bypassCSP: the tap's worklet module is a blob: URL, which the app's CSP (rightly) refuses
  const ctxB = await browser.newContext({ baseURL: app.url, bypassCSP: true });
  await preparePlayer(ctxB, { latencyHint: 0.1, tap: true });
  const a = await ctxA.newPage();
  const b = await ctxB.newPage();
  await createAndJoin(a, b, ["Ada", "Bo"], 10);
  await silenceRoom(b);
  // clicks handed to the engine before the metronome went off still sound (up to lead + 150 ms later)
  await b.waitForTimeout(1_000);
  const started = await startTap(b);
  expect(started.contexts.flatMap((c) => c.tapped), "the engine's output stage is tapped").toContain("WaveShaperNode");
  await b.waitForTimeout(1_000); // clock pairs before the first hit

  const partnerId = await a.evaluate(() => (window as unknown as { __backbeat: { participantId: string } }).__backbeat.participantId);
  const stamps = await a.evaluate(playHitsInPage, { startTrueMs: Date.now() + 500, hits: HITS });
  expect(stamps).toHaveLength(HITS.length);
  const logged = async () =>
    (await b.evaluate(() => (window as unknown as { __backbeat: { hits: LoggedHit[] } }).__backbeat.hits)).filter(
      (h) => h.kind === "remote" && h.from === partnerId,
    );
  await expect.poll(async () => (await logged()).length, { timeout: 10_000 }).toBe(HITS.length);
  await b.waitForTimeout(1_000); // the last hits' playout delay and output path
  const hits = await logged();
  const cap = await readTap(b);
  // the raw material, for a closer look when this fails (test-results/)
  await test.info().attach("listener.json", { body: JSON.stringify({ hits, cap }), contentType: "application/json" });

  const engine = engineContext(cap);
  const engineIndex = cap.contexts.indexOf(engine);
  const fit = fitAudioClock(engine.clock);
  const onsets = heardOnsets(cap);
  // Resolvable hits are ≥ 45 ms apart: an onset within 20 ms of a hit's logged time can only be that hit's.
  const m = matchOnsets(
    hits.map((h) => h.scheduledAtMs),
    onsets.map((o) => o.atMs),
    20,
  );
  const rows = hits.map((h, i) => {
    const j = m.onsetOf[i];
    // where the engine was told to play it, on the same clock line: tells "handed off" from "played off"
    const handedMs = typeof h.audioTime === "number" ? contextToEpochMs(fit, cap.timeOrigin, h.audioTime) : null;
    const neighbourMs = Math.min(...hits.filter((o) => o !== h && !o.skipped).map((o) => Math.abs(o.scheduledAtMs - h.scheduledAtMs)));
    return {
      seq: h.seq,
      late: h.late,
      skipped: h.skipped ?? false,
      resolvable: neighbourMs >= RESOLVABLE_MS,
      // on the audio clock itself, frames against the handed time: no clock line involved
      heardMinusHandedMs:
        j === null || j === undefined || typeof h.audioTime !== "number" || onsets[j]!.context !== engineIndex
          ? null
          : (onsets[j]!.frame / engine.sampleRate - h.audioTime) * 1000,
      heardMinusLoggedMs: j === null || j === undefined ? null : onsets[j]!.atMs - h.scheduledAtMs,
      handedMinusLoggedMs: handedMs === null ? null : handedMs - h.scheduledAtMs,
    };
  });
  const f2 = (x: number | null) => (x === null ? "none" : x.toFixed(2));
  const summary =
    `output path ${outputPathMs(engine).toFixed(1)} ms, getOutputTimestamp() pairs off the clock line by ≤ ${fit.residualMaxMs.toFixed(2)} ms (n ${fit.n}, glitches ${fit.jumpsMs.map((j) => j.toFixed(1)).join("/") || "none"}); ` +
    `${rows.filter((r) => r.late).length} late, ${rows.filter((r) => r.skipped).length} skipped, ` +
    `${rows.filter((r) => !r.resolvable).length} within ${RESOLVABLE_MS} ms of another (not checked), ${m.extra.length} onsets of no hit; ` +
    `seq(L late, S skipped, U unresolvable): heard − logged / handed − logged (ms): ` +
    rows.map((r) => `${r.seq}${r.late ? "L" : ""}${r.skipped ? "S" : ""}${r.resolvable ? "" : "U"}: ${f2(r.heardMinusLoggedMs)} / ${f2(r.handedMinusLoggedMs)}`).join(", ");
  test.info().annotations.push({ type: "heard vs logged", description: summary });

  // never played: a skipped hit has no sound to check
  const checked = rows.filter((r) => !r.skipped && r.resolvable);
  expect(checked.length, `enough hits to judge; ${summary}`).toBeGreaterThanOrEqual(20);
  // First the engine: every hit sounds where it was handed (a hit handed in the past sounds later).
  for (const r of checked) {
    expect(r.heardMinusHandedMs, `seq ${r.seq} has an onset within 20 ms of its logged time; ${summary}`).not.toBeNull();
    expect(Math.abs(r.heardMinusHandedMs!), `seq ${r.seq} sounds where it was handed to the engine; ${summary}`).toBeLessThanOrEqual(HANDED_TOLERANCE_MS);
  }
  // Then the log: on time at scheduledAtMs; late at the (later) time it was logged with.
  for (const r of checked) {
    const what = r.late ? "a hit logged late sounds at its logged (late) time" : "a hit logged on time sounds at its scheduledAtMs";
    expect(Math.abs(r.heardMinusLoggedMs!), `${what} (seq ${r.seq}); ${summary}`).toBeLessThanOrEqual(TOLERANCE_MS);
  }
  expect(m.extra.length, `onsets that belong to no logged hit; ${summary}`).toBe(0);
  await Promise.all([ctxA.close(), ctxB.close()]);
});
