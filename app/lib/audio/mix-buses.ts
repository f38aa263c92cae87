/**
 * The mixer's buses (issue 14, "a mix"): one GainNode per partner, created on demand and keyed by
 * participant id, and one for the metronome, count-in and backing groove. Every bus feeds the
 * engine's master gain, which feeds the output stage (soft clipper → destination) last, so the
 * timing taps on that stage (bench/audio-tap.ts) still hear everything. A GainNode adds no
 * latency; level changes glide over ~10 ms (setTargetAtTime) so a moving slider does not click.
 */

/** The bus of the metronome, count-in clicks and backing groove. Never a participant id (those are 8–40 characters: core/protocol.ts). */
export const CLICKS_BUS = "clicks";

/** master gain when the engine starts; leaves headroom for stacked hits (here, not in engine.ts, so the page can use it without loading the engine) */
export const DEFAULT_VOLUME = 0.8;

/** setTargetAtTime's time constant: 10 ms, as the master volume (engine.ts setVolume) */
const GLIDE_S = 0.01;

export class MixBuses {
  private readonly nodes = new Map<string, GainNode>();
  /** every bus's level as last set (a bus not made yet starts at it) */
  private readonly gains = new Map<string, number>();

  constructor(
    private readonly ctx: BaseAudioContext,
    private readonly master: AudioNode,
  ) {}

  /** Where a bus's voices connect: its gain, made at its level the first time. */
  input(bus: string): GainNode {
    let node = this.nodes.get(bus);
    if (!node) {
      node = this.ctx.createGain();
      node.gain.value = this.gains.get(bus) ?? 1;
      node.connect(this.master);
      this.nodes.set(bus, node);
    }
    return node;
  }

  /** True when the bus is muted (level 0): its new voices need not be built at all. */
  silent(bus: string): boolean {
    return this.gains.get(bus) === 0;
  }

  /** A bus's linear gain from now on; voices already scheduled on it follow too. */
  set(bus: string, gain: number): void {
    if (!Number.isFinite(gain) || gain < 0 || gain > 1) throw new RangeError(`gain must be within [0, 1], got: ${gain}`);
    this.gains.set(bus, gain);
    const node = this.nodes.get(bus);
    if (!node) return;
    node.gain.cancelScheduledValues(this.ctx.currentTime);
    node.gain.setTargetAtTime(gain, this.ctx.currentTime, GLIDE_S);
  }

  dispose(): void {
    for (const n of this.nodes.values()) n.disconnect();
    this.nodes.clear();
  }
}
