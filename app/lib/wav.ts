/**
 * WAV (RIFF/WAVE, 16-bit PCM) encoding and header parsing. Pure: no DOM, so
 * it is unit-tested in Node (core/replay.test.ts) and used by the e2e test to
 * check a downloaded file.
 */

export const WAV_HEADER_BYTES = 44;

/** 16-bit little-endian PCM, channels interleaved; samples clipped to [-1, 1]. */
export function encodeWav16(channels: readonly Float32Array[], sampleRate: number): ArrayBuffer {
  const numChannels = channels.length;
  if (numChannels < 1 || numChannels > 8) throw new RangeError(`1–8 channels, got ${numChannels}`);
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new RangeError(`Bad sample rate: ${sampleRate}`);
  const frames = channels[0]!.length;
  for (const c of channels) if (c.length !== frames) throw new RangeError("channels differ in length");
  const blockAlign = numChannels * 2;
  const dataBytes = frames * blockAlign;
  if (WAV_HEADER_BYTES - 8 + dataBytes > 0xffffffff) throw new RangeError("too long for a WAV file (4 GiB)");
  const buf = new ArrayBuffer(WAV_HEADER_BYTES + dataBytes);
  const v = new DataView(buf);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) v.setUint8(at + i, s.charCodeAt(i));
  };
  ascii(0, "RIFF");
  v.setUint32(4, WAV_HEADER_BYTES - 8 + dataBytes, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  v.setUint32(16, 16, true); // fmt chunk size
  v.setUint16(20, 1, true); // PCM
  v.setUint16(22, numChannels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * blockAlign, true); // byte rate
  v.setUint16(32, blockAlign, true);
  v.setUint16(34, 16, true); // bits per sample
  ascii(36, "data");
  v.setUint32(40, dataBytes, true);
  const pcm = new Int16Array(buf, WAV_HEADER_BYTES, frames * numChannels);
  for (let c = 0; c < numChannels; c++) {
    const src = channels[c]!;
    for (let i = 0, j = c; i < frames; i++, j += numChannels) {
      const x = src[i]!;
      const y = x >= 1 ? 1 : x <= -1 ? -1 : x !== x ? 0 : x; // NaN → 0
      pcm[j] = y < 0 ? Math.round(y * 0x8000) : Math.round(y * 0x7fff);
    }
  }
  // Int16Array writes in platform order; every supported platform is little-endian, but be exact.
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    for (let i = 0; i < pcm.length; i++) v.setInt16(WAV_HEADER_BYTES + 2 * i, pcm[i]!, true);
  }
  return buf;
}

export interface WavInfo {
  audioFormat: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  dataBytes: number;
  frames: number;
  durationS: number;
  /** byte offset of the sample data */
  dataOffset: number;
}

/** Parses a RIFF/WAVE header (walking the chunks); throws on anything that is not one. */
export function parseWav(bytes: ArrayBuffer | Uint8Array): WavInfo {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const v = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const tag = (at: number) => String.fromCharCode(u8[at]!, u8[at + 1]!, u8[at + 2]!, u8[at + 3]!);
  if (u8.length < 12 || tag(0) !== "RIFF" || tag(8) !== "WAVE") throw new Error("not a RIFF/WAVE file");
  if (v.getUint32(4, true) + 8 !== u8.length) throw new Error(`RIFF size ${v.getUint32(4, true) + 8} ≠ file size ${u8.length}`);
  let at = 12;
  let fmt: Omit<WavInfo, "dataBytes" | "frames" | "durationS" | "dataOffset"> | null = null;
  while (at + 8 <= u8.length) {
    const id = tag(at);
    const size = v.getUint32(at + 4, true);
    if (id === "fmt ") {
      fmt = {
        audioFormat: v.getUint16(at + 8, true),
        channels: v.getUint16(at + 10, true),
        sampleRate: v.getUint32(at + 12, true),
        bitsPerSample: v.getUint16(at + 22, true),
      };
      if (v.getUint16(at + 20, true) !== (fmt.channels * fmt.bitsPerSample) / 8) throw new Error("inconsistent block align");
      if (v.getUint32(at + 16, true) !== (fmt.sampleRate * fmt.channels * fmt.bitsPerSample) / 8) throw new Error("inconsistent byte rate");
    } else if (id === "data") {
      if (!fmt) throw new Error("data chunk before fmt chunk");
      if (at + 8 + size > u8.length) throw new Error("data chunk runs past the end");
      const frames = size / ((fmt.channels * fmt.bitsPerSample) / 8);
      return { ...fmt, dataBytes: size, frames, durationS: frames / fmt.sampleRate, dataOffset: at + 8 };
    }
    at += 8 + size + (size % 2);
  }
  throw new Error("no data chunk");
}
