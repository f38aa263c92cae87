/**
 * "Acoustic": a synthesized imitation of a miked acoustic kit. Short, damped
 * drums with a stick or beater attack; noisy, broadband cymbals. Velocity
 * changes tone everywhere: harder hits start higher in pitch, have a louder,
 * brighter attack and open the filters further.
 */
import { amplitude, squareBank, type HitSound, type KitVoices } from "./voice";

/**
 * Frequency ratios of the six square waves in the classic metallic voice;
 * inharmonic, so the sum reads as "metal". Here only a tint under the noise
 * of the cymbals (the 808 kit uses the bank on its own).
 */
const METAL_RATIOS = [2, 3, 4.16, 5.43, 6.79, 8.21] as const;
function metal(hit: HitSound, fundamentalHz: number, stopTime: number, dest: AudioNode): void {
  squareBank(
    hit,
    METAL_RATIOS.map((r) => r * fundamentalHz),
    stopTime,
    dest,
  );
}

interface DrumOptions {
  /** resting pitch of the fundamental head mode */
  endHz: number;
  /** how far above endHz a hit at velocity 1 starts */
  startRatio: number;
  pitchDecayS: number;
  decayS: number;
  level: number;
  /** inharmonic head modes: [ratio to the fundamental, level, decay as a fraction of decayS] */
  modes: readonly (readonly [number, number, number])[];
  /** stick / beater attack: band-pass centre at velocity 0 → 1, and level */
  attackHz: readonly [number, number];
  attackLevel: number;
}

/** Kick / toms: a sine whose pitch drops a little after the hit, inharmonic head modes and a stick/beater attack. */
function drum(hit: HitSound, v: number, o: DrumOptions): void {
  const t = hit.startTime;
  const amp = amplitude(v) * o.level;
  // Harder hits stretch the head further: a higher start pitch and slightly longer ring.
  const decayS = o.decayS * (0.85 + 0.25 * v);
  const startRatio = 1 + (o.startRatio - 1) * (0.35 + 0.65 * v);
  const body = hit.envelope(amp, decayS);
  body.gain.connect(hit.out);
  const osc = hit.osc("sine", o.endHz * startRatio, body.endTime);
  osc.frequency.exponentialRampToValueAtTime(o.endHz, t + o.pitchDecayS);
  osc.connect(body.gain);
  for (const [ratio, level, decayFraction] of o.modes) {
    // higher modes are excited more by harder hits
    const mode = hit.envelope(amp * level * (0.4 + 0.6 * v), decayS * decayFraction);
    mode.gain.connect(hit.out);
    const m = hit.osc("sine", o.endHz * ratio * startRatio, mode.endTime);
    m.frequency.exponentialRampToValueAtTime(o.endHz * ratio, t + o.pitchDecayS);
    m.connect(mode.gain);
  }
  // Attack: a few ms of band-passed noise; louder relative to the body and brighter when harder.
  const attack = hit.envelope(amp * o.attackLevel * (0.5 + 0.7 * v), 0.012);
  attack.gain.connect(hit.out);
  const [loHz, hiHz] = o.attackHz;
  const bp = hit.filter("bandpass", loHz + (hiHz - loHz) * v, 0.9);
  hit.noise(attack.endTime).connect(bp).connect(attack.gain);
}

function kick(hit: HitSound, v: number): void {
  drum(hit, v, {
    endHz: 56,
    startRatio: 2.1,
    pitchDecayS: 0.045,
    decayS: 0.3,
    level: 0.85,
    modes: [[1.52, 0.22, 0.35]],
    attackHz: [1500, 4200],
    attackLevel: 0.45,
  });
  // the felt beater's low "thud": a burst of low-passed noise
  const thud = hit.envelope(amplitude(v) * 0.35, 0.03);
  thud.gain.connect(hit.out);
  hit.noise(thud.endTime).connect(hit.filter("lowpass", 180 + 220 * v)).connect(thud.gain);
}

/** Circular-membrane modes above the fundamental (Bessel zeros ratios 1.59, 2.14, 2.30, 2.65), damped faster than it. */
const TOM_MODES: DrumOptions["modes"] = [
  [1.59, 0.45, 0.5],
  [2.14, 0.25, 0.35],
  [2.3, 0.12, 0.3],
  [2.65, 0.1, 0.25],
];

function tomLow(hit: HitSound, v: number): void {
  drum(hit, v, {
    endHz: 98,
    startRatio: 1.45,
    pitchDecayS: 0.12,
    decayS: 0.55,
    level: 0.7,
    modes: TOM_MODES,
    attackHz: [1200, 4500],
    attackLevel: 0.5,
  });
}

function tomHigh(hit: HitSound, v: number): void {
  drum(hit, v, {
    endHz: 155,
    startRatio: 1.4,
    pitchDecayS: 0.1,
    decayS: 0.42,
    level: 0.65,
    modes: TOM_MODES,
    attackHz: [1500, 5500],
    attackLevel: 0.5,
  });
}

/** Snare: a short tonal body (two drum-head modes), a stick crack, and band-limited noise (the wires). */
function snare(hit: HitSound, v: number): void {
  const t = hit.startTime;
  const amp = amplitude(v);
  const body = hit.envelope(amp * 0.45, 0.09);
  body.gain.connect(hit.out);
  const pitch = 0.94 + 0.1 * v; // a harder hit tightens the head
  const o1 = hit.osc("triangle", 200 * pitch, body.endTime);
  o1.frequency.exponentialRampToValueAtTime(175, t + 0.04);
  o1.connect(body.gain);
  const o2 = hit.osc("sine", 330 * pitch, body.endTime);
  o2.frequency.exponentialRampToValueAtTime(290, t + 0.04);
  o2.connect(hit.gain(0.6)).connect(body.gain);

  const crack = hit.envelope(amp * 0.4 * v, 0.008);
  crack.gain.connect(hit.out);
  hit.noise(crack.endTime).connect(hit.filter("bandpass", 3500 + 2500 * v, 1.2)).connect(crack.gain);

  const wires = hit.envelope(amp * 0.75, 0.14 + 0.06 * v);
  wires.gain.connect(hit.out);
  const hp = hit.filter("highpass", 1200);
  const lp = hit.filter("lowpass", 3500 + 8000 * v);
  hit.noise(wires.endTime).connect(hp).connect(lp).connect(wires.gain);
}

/**
 * Hi-hat: mostly noise through a few plate resonances (broad, 3-15 kHz) with
 * a faint metallic tint; harder hits open the top end and move the "chick"
 * resonance up.
 */
function hat(hit: HitSound, v: number, decayS: number, level: number): void {
  const amp = amplitude(v) * level;
  const env = hit.envelope(amp, decayS);
  env.gain.connect(hit.out);
  const lp = hit.filter("lowpass", 7000 + 10000 * v);
  const hp = hit.filter("highpass", 2000 + 1000 * v);
  hp.connect(lp).connect(env.gain);
  const noise = hit.noise(env.endTime);
  const plates: readonly (readonly [number, number])[] = [
    [3300, 0.7],
    [5200 + 1500 * v, 1],
    [8200, 0.6],
    [12000, 0.4 + 0.4 * v],
  ];
  for (const [hz, plateLevel] of plates) {
    noise.connect(hit.filter("bandpass", hz, 1.6)).connect(hit.gain(plateLevel)).connect(hp);
  }
  noise.connect(hit.gain(0.25)).connect(hp); // some broadband sizzle
  const tint = hit.gain(0.35);
  tint.connect(hit.filter("bandpass", 8000, 0.8)).connect(hp);
  metal(hit, 40, env.endTime, tint);
}

function hihatClosed(hit: HitSound, v: number): void {
  hat(hit, v, 0.05 + 0.03 * v, 0.9);
}

function hihatOpen(hit: HitSound, v: number): void {
  hat(hit, v, 0.5 + 0.25 * v, 0.7);
}

/** Crash: a long, bright wash of noise and metal. */
function crash(hit: HitSound, v: number): void {
  const amp = amplitude(v) * 0.6;
  const decayS = 1.6 + 0.8 * v;
  const env = hit.envelope(amp, decayS);
  env.gain.connect(hit.out);
  const lp = hit.filter("lowpass", 9000 + 11000 * v);
  lp.connect(env.gain);
  const metalHp = hit.filter("highpass", 4000);
  metalHp.connect(hit.gain(0.8)).connect(lp);
  metal(hit, 67, env.endTime, metalHp);
  const noiseHp = hit.filter("highpass", 2500);
  hit.noise(env.endTime).connect(noiseHp).connect(hit.gain(0.8)).connect(lp);
  // initial "splash": a louder, shorter burst on top of the wash
  const splash = hit.envelope(amp * (0.3 + 0.5 * v), 0.12);
  splash.gain.connect(hit.out);
  const splashHp = hit.filter("highpass", 5000);
  hit.noise(splash.endTime).connect(splashHp).connect(splash.gain);
}

/** Ride: a metallic ping (inharmonic sine partials) over a soft sustaining shimmer. */
function ride(hit: HitSound, v: number): void {
  const amp = amplitude(v) * 0.7;
  // ping: partials of a struck plate, short
  const ping = hit.envelope(amp * 0.5, 0.25);
  ping.gain.connect(hit.out);
  const partials: [number, number][] = [
    [2490, 1],
    [3510, 0.6],
    [5180, 0.2 + 0.6 * v], // brighter when harder
    [7300, 0.5 * v],
  ];
  for (const [hz, level] of partials) {
    hit.osc("sine", hz, ping.endTime).connect(hit.gain(level / partials.length)).connect(ping.gain);
  }
  // shimmer: metal bank band-passed around 6 kHz, long sustain
  // harder hits "wash" more: the shimmer grows relative to the ping
  const shimmer = hit.envelope(amp * (0.5 + 0.5 * v), 1.3 + 0.4 * v);
  shimmer.gain.connect(hit.out);
  const bp = hit.filter("bandpass", 6000, 0.7);
  const lp = hit.filter("lowpass", 4000 + 12000 * v); // brighter when harder
  bp.connect(lp).connect(shimmer.gain);
  metal(hit, 120, shimmer.endTime, bp);
}

export const acousticKit: KitVoices = {
  kick,
  snare,
  hihatClosed,
  hihatOpen,
  tomLow,
  tomHigh,
  crash,
  ride,
};
