"use client";
/**
 * Shown to a player who is alone in the room (issue 14, "Presence"): the room link to send, its QR
 * code and the share buttons (SharePanel: the same ones the header shows once a partner is here).
 */
import { SharePanel } from "../../components/SharePanel";
import { shareTitle } from "./RoomHeader";

export function WaitingCard({
  code,
  name,
  url,
  privateRoom,
  passcode,
  onStatus,
}: {
  code: string;
  /** the room's name, if the host gave it one (the share title) */
  name?: string | null;
  url: string;
  privateRoom: boolean;
  passcode: string | undefined;
  onStatus: (s: string) => void;
}) {
  return (
    <section className="panel stack" aria-labelledby="waiting-heading" data-testid="waiting-card">
      <h2 id="waiting-heading">Waiting for your partner</h2>
      <p style={{ margin: 0 }}>Share this link — the room starts the moment they open it. Play along with the metronome meanwhile.</p>
      <p style={{ margin: 0, overflowWrap: "anywhere" }}>
        <span className="muted">Room link: </span>
        <code>{url}</code>
      </p>
      <SharePanel url={url} title={shareTitle(code, name ?? null)} privateRoom={privateRoom} passcode={passcode} onStatus={onStatus} qrOpen />
    </section>
  );
}
