/**
 * The room's requests (tempo, mode, recording, battle, removing someone, the host role, the room's
 * name, leaving, reactions):
 * each answered by an ack, or by NO_ANSWER after REQUEST_TIMEOUT_MS so a page never waits
 * forever on a request sent into a dropped link. JamConnection extends this.
 */
import type { Reaction } from "../../../core/battle";
import type { GrooveId } from "../../../core/grooves";
import type { AckResult, ErrorMsg, PlayMode } from "../../../core/protocol";
import type { JamSocket } from "./types";

/** a request unanswered this long is reported as failed */
const REQUEST_TIMEOUT_MS = 10_000;
const NO_ANSWER: ErrorMsg = { code: "internal", message: "The server did not answer in time: try again." };

export class RoomRequests {
  constructor(readonly socket: JamSocket) {}

  private async ask<T>(send: (s: ReturnType<JamSocket["timeout"]>) => Promise<AckResult<T>>): Promise<AckResult<T>> {
    try {
      return await send(this.socket.timeout(REQUEST_TIMEOUT_MS));
    } catch {
      return { ok: false, error: NO_ANSWER };
    }
  }
  private async errorOf<T>(p: Promise<AckResult<T>>): Promise<ErrorMsg | null> {
    const r = await p;
    return r.ok ? null : r.error;
  }

  setTempo(tempoBpm: number, beatsPerBar: number, beatUnit: 4 | 8 = 4, groove?: GrooveId): Promise<ErrorMsg | null> {
    return this.errorOf(this.ask((s) => s.emitWithAck("tempo:set", { tempoBpm, beatsPerBar, beatUnit, groove })));
  }
  setMode(mode: PlayMode): Promise<ErrorMsg | null> {
    return this.errorOf(this.ask((s) => s.emitWithAck("mode:set", { mode })));
  }
  /** The answer carries the owner token needed to rename or delete the recording. */
  startRecording(countIn = false): Promise<AckResult<{ id: string; ownerToken: string }>> {
    return this.ask((s) => s.emitWithAck("recording:start", { countIn }));
  }
  stopRecording(): Promise<AckResult<{ id: string }>> {
    return this.ask((s) => s.emitWithAck("recording:stop", {}));
  }
  startBattle(opts: { barsPerTurn: 2 | 4 | 8; rounds: number; subdivision: 4 | 8 | 16 }): Promise<ErrorMsg | null> {
    return this.errorOf(this.ask((s) => s.emitWithAck("battle:start", opts)));
  }
  stopBattle(): Promise<ErrorMsg | null> {
    return this.errorOf(this.ask((s) => s.emitWithAck("battle:stop", {})));
  }
  kick(id: string): Promise<ErrorMsg | null> {
    return this.errorOf(this.ask((s) => s.emitWithAck("member:kick", { id })));
  }
  /** The host hands the host role to another player. */
  passHost(id: string): Promise<ErrorMsg | null> {
    return this.errorOf(this.ask((s) => s.emitWithAck("host:pass", { id })));
  }
  /** The host names a co-host (null: none). */
  setCoHost(id: string | null): Promise<ErrorMsg | null> {
    return this.errorOf(this.ask((s) => s.emitWithAck("cohost:set", { id })));
  }
  /** The host or co-host names the room ("" clears the name). */
  renameRoom(name: string): Promise<ErrorMsg | null> {
    return this.errorOf(this.ask((s) => s.emitWithAck("room:rename", { name })));
  }
  leave(): Promise<ErrorMsg | null> {
    return this.errorOf(this.ask((s) => s.emitWithAck("leave", {})));
  }
  react(emoji: Reaction): void {
    this.socket.emit("react", { emoji });
  }
}
