/**
 * A fake WebRTC peer pair for Node (app/lib/connection/direct-channel.ts's PeerLike): a "network"
 * that opens both sides' data channels once both descriptions are set and a candidate has crossed,
 * delivers packets after `latencyMs`, and can drop every packet (a stall) or never connect (no
 * route). Timers are the global ones, so it runs on vitest's fake timers or real ones.
 */
import type { PeerLike } from "../../app/lib/connection/direct-channel";

export class FakeChannel {
  readyState: RTCDataChannelState = "connecting";
  binaryType = "blob";
  partner: FakeChannel | null = null;
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  constructor(
    readonly net: FakeNetwork,
    readonly init: RTCDataChannelInit,
  ) {}
  send(data: Uint8Array): void {
    if (this.readyState !== "open") throw new Error("InvalidStateError");
    const to = this.partner;
    if (this.net.dropping || !to) return;
    const copy = data.slice().buffer;
    setTimeout(() => to.readyState === "open" && to.onmessage?.({ data: copy }), this.net.latencyMs);
  }
  close(): void {
    if (this.readyState === "closed") return;
    this.readyState = "closed";
    const to = this.partner;
    setTimeout(() => this.onclose?.(), 0);
    if (to && to.readyState === "open") {
      to.readyState = "closed";
      setTimeout(() => to.onclose?.(), 1);
    }
  }
}

export class FakePeer {
  remoteDescription: RTCSessionDescription | null = null;
  local: RTCSessionDescriptionInit | null = null;
  connectionState: RTCPeerConnectionState = "new";
  onicecandidate: ((e: { candidate: { toJSON(): RTCIceCandidateInit } | null }) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  channel: FakeChannel | null = null;
  candidatesIn = 0;
  closed = false;
  constructor(
    readonly net: FakeNetwork,
    readonly side: number,
  ) {}
  createDataChannel(_label: string, init: RTCDataChannelInit): FakeChannel {
    this.channel = new FakeChannel(this.net, init);
    return this.channel;
  }
  createOffer = async () => ({ type: "offer" as const, sdp: `offer-${this.side}` });
  createAnswer = async () => ({ type: "answer" as const, sdp: `answer-${this.side}` });
  async setLocalDescription(d: RTCSessionDescriptionInit) {
    this.local = d;
    setTimeout(() => {
      if (this.closed) return;
      this.onicecandidate?.({ candidate: { toJSON: () => ({ candidate: `candidate:${this.side} 1 udp 1 127.0.0.1 5000${this.side} typ host`, sdpMid: "0", sdpMLineIndex: 0 }) } });
      this.onicecandidate?.({ candidate: null });
    }, 5);
  }
  async setRemoteDescription(d: RTCSessionDescriptionInit) {
    this.remoteDescription = d as RTCSessionDescription;
  }
  async addIceCandidate() {
    this.candidatesIn++;
    this.net.maybeConnect();
  }
  close(): void {
    this.closed = true;
    this.channel?.close();
  }
}

export class FakeNetwork {
  peers: FakePeer[] = [];
  dropping = false;
  /** no route: candidates cross but the channels never open */
  noRoute = false;
  latencyMs = 3;
  factory(side: number) {
    return () => {
      const p = new FakePeer(this, side);
      this.peers[side] = p;
      return p as unknown as PeerLike;
    };
  }
  maybeConnect(): void {
    const [a, b] = this.peers;
    if (this.noRoute || !a || !b || a.closed || b.closed || !a.local || !b.local || !a.remoteDescription || !b.remoteDescription) return;
    if (a.candidatesIn === 0 && b.candidatesIn === 0) return;
    const ca = a.channel!;
    const cb = b.channel!;
    if (ca.readyState !== "connecting" || cb.readyState !== "connecting" || ca.partner === cb) return;
    ca.partner = cb;
    cb.partner = ca;
    setTimeout(() => {
      for (const c of [ca, cb]) {
        c.readyState = "open";
        c.onopen?.();
      }
    }, 10);
  }
}

