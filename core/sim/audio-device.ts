/**
 * A listener's audio output in virtual time: the fake audio path for unit
 * tests and bench/timing. Pure and deterministic.
 *
 * What it models (measuring-sound.md, checked in headless Chromium):
 * - The speaker plays context time c at shared time `speakerZeroMs + c`
 *   (a perfect clock mapping: clock-sync error is a separate term).
 * - `currentTime` is the start of the next 128-sample block the render thread
 *   will produce. It advances in whole quanta and runs the output path ahead of
 *   the speaker: `currentTime − getOutputTimestamp().contextTime` reads between
 *   `outputPathMs` and `outputPathMs + quantumMs`.
 * - A source started for context time t sounds sample-accurately at t, unless t
 *   is earlier than `currentTime + quantum` (the block at currentTime may already
 *   be rendering when the start() message reaches the audio thread): then it
 *   sounds at that next block boundary — late, and nothing reports it.
 */
import { renderQuantumMs } from "../audio-deadline";
import { SIM_START_MS } from "./network";

export interface AudioDeviceModel {
  name: string;
  /** output path the browser reports (outputLatency + baseLatency) */
  outputPathMs: number;
  sampleRateHz: number;
}

/** The listener devices of the benchmark: the range the issue names (10 ms desktop … 100 ms+ phone). */
export const AUDIO_DEVICES = {
  desktop: { name: "desktop, wired (10 ms)", outputPathMs: 10, sampleRateHz: 48_000 },
  headless: { name: "headless Chromium (42 ms)", outputPathMs: 42, sampleRateHz: 48_000 },
  phone: { name: "phone / Bluetooth (100 ms)", outputPathMs: 100, sampleRateHz: 48_000 },
} satisfies Record<string, AudioDeviceModel>;

export type AudioDeviceId = keyof typeof AUDIO_DEVICES;
export const AUDIO_DEVICE_IDS = Object.keys(AUDIO_DEVICES) as AudioDeviceId[];

export class SimAudioDevice {
  readonly quantumMs: number;
  readonly sampleMs: number;
  /** shared time at which context time 0 is heard */
  private readonly speakerZeroMs: number;

  /**
   * @param blockPhase in [0, 1): where the render quanta fall against the shared
   *   clock (a device started at a random moment)
   */
  constructor(
    readonly model: AudioDeviceModel,
    blockPhase = 0,
    startMs: number = SIM_START_MS,
  ) {
    if (!(blockPhase >= 0 && blockPhase < 1)) throw new RangeError(`blockPhase must be within [0, 1), got: ${blockPhase}`);
    if (!(model.outputPathMs >= 0)) throw new RangeError(`outputPathMs must be ≥ 0, got: ${model.outputPathMs}`);
    this.quantumMs = renderQuantumMs(model.sampleRateHz);
    this.sampleMs = 1000 / model.sampleRateHz;
    this.speakerZeroMs = startMs - blockPhase * this.quantumMs;
  }

  /** Context time (ms) of the sample at the speaker at shared time `atMs`; also the app's sharedToAudioTime. */
  speakerContextMs(atMs: number): number {
    return atMs - this.speakerZeroMs;
  }

  /** `currentTime` (ms) at shared time `atMs`. */
  currentTimeMs(atMs: number): number {
    const speakerMs = this.speakerContextMs(atMs);
    return this.quantumMs * Math.ceil((speakerMs + this.model.outputPathMs) / this.quantumMs);
  }

  /** What the page measures at `atMs`: currentTime − getOutputTimestamp().contextTime. */
  outputPathReadingMs(atMs: number): number {
    return this.currentTimeMs(atMs) - this.speakerContextMs(atMs);
  }

  /** Shared time at which a sound handed at `handedAtMs` for context time `contextMs` is heard. */
  heardAtMs(handedAtMs: number, contextMs: number): number {
    const earliestMs = this.currentTimeMs(handedAtMs) + this.quantumMs;
    const startMs = contextMs >= earliestMs ? Math.round(contextMs / this.sampleMs) * this.sampleMs : earliestMs;
    return this.speakerZeroMs + startMs;
  }

  /** A sound handed at `handedAtMs` to be heard at shared time `playAtMs` (the app's sharedToAudioTime + start()). */
  play(handedAtMs: number, playAtMs: number): number {
    return this.heardAtMs(handedAtMs, this.speakerContextMs(playAtMs));
  }

  /** start(0): as soon as the device can. */
  playNow(handedAtMs: number): number {
    return this.heardAtMs(handedAtMs, -Infinity);
  }
}
