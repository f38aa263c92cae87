/**
 * Web MIDI drum input: lists devices, follows hot-plugging, and turns note-ons
 * into strikes with the MIDI event's own timeStamp (performance.now() base).
 * `inject` feeds synthetic messages into the very same path (tests, demos).
 */
import { parseMidiDrumMessage, type MidiDrumHit } from "../../core/gm-drums";

export interface MidiDevice {
  id: string;
  name: string;
  connected: boolean;
}

export interface MidiInputState {
  supported: boolean;
  /** null until requested; a message when access was refused */
  error: string | null;
  devices: MidiDevice[];
  /** "all" listens to every input */
  selected: string;
}

type HitHandler = (hit: MidiDrumHit, timeStamp: number) => void;

export class MidiInput {
  private access: MIDIAccess | null = null;
  private listeners = new Set<(s: MidiInputState) => void>();
  state: MidiInputState = { supported: typeof navigator !== "undefined" && "requestMIDIAccess" in navigator, error: null, devices: [], selected: "all" };

  constructor(private readonly onHit: HitHandler) {}

  subscribe(fn: (s: MidiInputState) => void): () => void {
    this.listeners.add(fn);
    fn(this.state);
    return () => this.listeners.delete(fn);
  }

  private set(patch: Partial<MidiInputState>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn(this.state);
  }

  async enable(): Promise<void> {
    if (!this.state.supported) {
      this.set({ error: "This browser has no Web MIDI. Chrome and Edge do." });
      return;
    }
    try {
      this.access = await navigator.requestMIDIAccess({ sysex: false });
    } catch (err) {
      this.set({ error: `MIDI access was refused: ${err instanceof Error ? err.message : String(err)}` });
      return;
    }
    this.access.onstatechange = () => this.refresh(); // hot-plug
    this.refresh();
    this.set({ error: null });
  }

  private refresh(): void {
    if (!this.access) return;
    const devices: MidiDevice[] = [];
    this.access.inputs.forEach((input) => {
      devices.push({ id: input.id, name: input.name ?? input.id, connected: input.state === "connected" });
      input.onmidimessage = (e: MIDIMessageEvent) => {
        if (this.state.selected !== "all" && this.state.selected !== input.id) return;
        if (e.data) this.handle(e.data, e.timeStamp);
      };
    });
    this.set({ devices });
  }

  select(id: string): void {
    this.set({ selected: id });
  }

  /** Same path as a real device: raw bytes and an event timestamp. */
  inject(data: ArrayLike<number>, timeStamp: number = performance.now()): boolean {
    return this.handle(data, timeStamp);
  }

  private handle(data: ArrayLike<number>, timeStamp: number): boolean {
    const hit = parseMidiDrumMessage(data);
    if (!hit) return false;
    this.onHit(hit, timeStamp);
    return true;
  }

  dispose(): void {
    this.access?.inputs.forEach((input) => (input.onmidimessage = null));
    if (this.access) this.access.onstatechange = null;
    this.listeners.clear();
  }
}
