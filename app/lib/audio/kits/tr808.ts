/**
 * "808": a kit in the style of the Roland TR-808. Long sine boom on the kick,
 * a two-tone snare with high-passed "snappy" noise, hats and cymbals from
 * the six-square-wave metallic bank, pitch-dropping sine toms, and a
 * cowbell-ish ride. Clean, electronic, with little noise except where the
 * original has it.
 *
 * The 808 only knows accent on/off; here velocity changes tone on every pad
 * (drive, pitch sweep depth, filter cut-off, noise/tone balance, decay).
 */
import { amplitude, squareBank, tanhCurve, TANH_RANGE, type HitSound, type KitVoices } from "./voice";

/**
 * The six square-wave oscillators of the TR-808 metallic voice (cymbal, hats,
 * and cowbell uses the 540/800 Hz pair), as measured on the original
 * circuit. Their mix is inharmonic, so band-passed high it reads as "metal".
 */
const TR808_METAL_HZ = [205.3, 304.4, 369.6, 522.7, 540, 800] as const;

export interface Tr808Options {
  /** kick ("bass drum") decay at velocity 1, seconds; the 808's Decay knob */
  kickDecayS?: number;
  /** kick resting pitch, Hz */
  kickTuneHz?: number;
}

const DEFAULT_KICK_DECAY_S = 1.1;
const DEFAULT_KICK_TUNE_HZ = 50;

/**
 * A sine through a tanh saturator: drive grows with velocity, so harder hits
 * gain odd harmonics (brighter) while the peak level stays `peak`. The
 * envelope sits before the saturator so the tail comes out clean.
 */
function saturatedSine(hit: HitSound, o: { startHz: number; endHz: number; sweepS: number; decayS: number; drive: number; peak: number }): OscillatorNode {
  const drive = Math.min(o.drive, TANH_RANGE);
  const env = hit.envelope(drive / TANH_RANGE, o.decayS);
  const osc = hit.osc("sine", o.startHz, env.endTime);
  osc.frequency.exponentialRampToValueAtTime(o.endHz, hit.startTime + o.sweepS);
  osc.connect(env.gain).connect(hit.shaper(tanhCurve)).connect(hit.gain(o.peak / Math.tanh(drive))).connect(hit.out);
  return osc;
}

export function createTr808Kit(options: Tr808Options = {}): KitVoices {
  const kickDecayS = options.kickDecayS ?? DEFAULT_KICK_DECAY_S;
  const kickTuneHz = options.kickTuneHz ?? DEFAULT_KICK_TUNE_HZ;
  if (!(kickDecayS > 0) || !(kickTuneHz > 0)) {
    throw new RangeError(`808 kick decay and tune must be positive, got: ${kickDecayS}, ${kickTuneHz}`);
  }

  /** Bass drum: a long sine boom with a fast pitch drop, a tick on top; harder = deeper sweep, more drive, longer boom. */
  function kick(hit: HitSound, v: number): void {
    const amp = amplitude(v) * 0.8;
    const decayS = kickDecayS * (0.6 + 0.4 * v);
    const osc = saturatedSine(hit, {
      startHz: kickTuneHz * (1.8 + 1.7 * v),
      endHz: kickTuneHz,
      sweepS: 0.03,
      decayS,
      drive: 0.4 + 1.8 * v,
      peak: amp,
    });
    // the boom sags a little as it rings out
    osc.frequency.exponentialRampToValueAtTime(kickTuneHz * 0.93, hit.startTime + decayS);
    // the trigger pulse leaking through: a short, bright tick
    const tick = hit.envelope(amp * (0.08 + 0.22 * v), 0.004);
    tick.gain.connect(hit.out);
    hit.osc("square", 1100 + 900 * v, tick.endTime).connect(hit.filter("lowpass", 2500 + 4000 * v)).connect(tick.gain);
  }

  /** Snare: two detuned sine tones plus high-passed noise ("snappy"); harder = more snappy, higher tones. */
  function snare(hit: HitSound, v: number): void {
    const t = hit.startTime;
    const amp = amplitude(v);
    const pitch = 0.96 + 0.08 * v;
    const tones: readonly (readonly [number, number, number])[] = [
      // [Hz, level, decay s]
      [180, 0.5, 0.11],
      [330, 0.35, 0.07],
    ];
    for (const [hz, level, decayS] of tones) {
      const env = hit.envelope(amp * level, decayS);
      env.gain.connect(hit.out);
      const o = hit.osc("sine", hz * pitch * 1.15, env.endTime);
      o.frequency.exponentialRampToValueAtTime(hz * pitch, t + 0.015);
      o.connect(env.gain);
    }
    const snappy = hit.envelope(amp * (0.25 + 0.45 * v), 0.16 + 0.08 * v);
    snappy.gain.connect(hit.out);
    hit
      .noise(snappy.endTime)
      .connect(hit.filter("highpass", 1800))
      .connect(hit.filter("lowpass", 6000 + 10000 * v))
      .connect(snappy.gain);
  }

  /** Hats: the six-square bank, band-passed high; harder = higher band, longer. */
  function hat(hit: HitSound, v: number, decayS: number, level: number): void {
    const amp = amplitude(v) * level;
    const env = hit.envelope(amp, decayS);
    env.gain.connect(hit.out);
    const bp = hit.filter("bandpass", 9000 + 3500 * v, 1.6);
    const hp = hit.filter("highpass", 7500);
    // the square bank has little energy this high: make up for the filters
    bp.connect(hp).connect(hit.gain(10)).connect(env.gain);
    squareBank(hit, TR808_METAL_HZ, env.endTime, bp);
  }

  function hihatClosed(hit: HitSound, v: number): void {
    hat(hit, v, 0.04 + 0.025 * v, 0.9);
  }

  function hihatOpen(hit: HitSound, v: number): void {
    hat(hit, v, 0.45 + 0.25 * v, 0.75);
  }

  /** Toms: a sine with a pitch drop and a breath of low-passed noise; harder = bigger drop, more noise, longer. */
  function tom(hit: HitSound, v: number, hz: number, decayS: number, level: number): void {
    const amp = amplitude(v) * level;
    // the 808's tom pitch keeps falling for most of the note ("pew")
    saturatedSine(hit, {
      startHz: hz * (1.25 + 0.5 * v),
      endHz: hz,
      sweepS: 0.25,
      decayS: decayS * (0.7 + 0.3 * v),
      drive: 0.3 + 1.2 * v,
      peak: amp,
    });
    const breath = hit.envelope(amp * (0.03 + 0.2 * v), 0.06);
    breath.gain.connect(hit.out);
    hit
      .noise(breath.endTime)
      .connect(hit.filter("lowpass", 1500 + 4500 * v))
      .connect(breath.gain);
  }

  function tomLow(hit: HitSound, v: number): void {
    tom(hit, v, 72, 0.55, 0.75);
  }

  function tomHigh(hit: HitSound, v: number): void {
    tom(hit, v, 110, 0.45, 0.7);
  }

  /** Cymbal: the square bank through a low "body" band (short) and a high band (long sizzle); harder = more highs. */
  function crash(hit: HitSound, v: number): void {
    const amp = amplitude(v) * 0.6;
    const high = hit.envelope(amp, 1.2 + 0.6 * v);
    high.gain.connect(hit.out);
    // harder hits shift the balance from the "clang" to the sizzle
    const mid = hit.envelope(amp * (1.3 - 0.6 * v), 0.3 + 0.1 * v);
    mid.gain.connect(hit.out);
    const bank = hit.gain(1);
    squareBank(hit, TR808_METAL_HZ, high.endTime, bank);
    bank
      .connect(hit.filter("highpass", 7000))
      .connect(hit.filter("lowpass", 9000 + 9000 * v))
      .connect(hit.gain(1.6))
      .connect(high.gain);
    bank.connect(hit.filter("bandpass", 3400, 1.5)).connect(hit.gain(1.5)).connect(mid.gain);
  }

  /** Ride: an 808 cowbell-like ping (the 540/800 Hz pair) over a thin metallic sizzle; harder = brighter, longer. */
  function ride(hit: HitSound, v: number): void {
    const amp = amplitude(v) * 0.6;
    const ping = hit.envelope(amp * 0.7, 0.22 + 0.1 * v);
    ping.gain.connect(hit.out);
    const pingBank = hit.gain(1);
    squareBank(hit, [540 * 1.5, 800 * 1.5], ping.endTime, pingBank);
    pingBank.connect(hit.filter("bandpass", 2400 + 1600 * v, 2)).connect(ping.gain);
    const sizzle = hit.envelope(amp * (0.4 + 0.4 * v), 0.9 + 0.5 * v);
    sizzle.gain.connect(hit.out);
    const bank = hit.gain(1);
    squareBank(hit, TR808_METAL_HZ, sizzle.endTime, bank);
    bank
      .connect(hit.filter("bandpass", 9000 + 2000 * v, 1))
      .connect(hit.filter("highpass", 6000))
      .connect(hit.gain(2))
      .connect(sizzle.gain);
  }

  return { kick, snare, hihatClosed, hihatOpen, tomLow, tomHigh, crash, ride };
}

export const tr808Kit: KitVoices = createTr808Kit();
