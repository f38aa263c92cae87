"use client";
import { useEffect, useState } from "react";

/** Copy link, the native share sheet where there is one, and a QR code of the link (qrcode library). */
export function SharePanel({ url, title, onStatus }: { url: string; title: string; onStatus: (s: string) => void }) {
  const [qr, setQr] = useState<string | null>(null);
  const [showQr, setShowQr] = useState(false);
  const [canShare, setCanShare] = useState(false);
  useEffect(() => setCanShare(typeof navigator !== "undefined" && typeof navigator.share === "function"), []);
  useEffect(() => {
    if (!showQr || qr) return;
    void import("qrcode").then((QR) => QR.toDataURL(url, { margin: 1, width: 220, color: { dark: "#0b0d12", light: "#ffffff" } }).then(setQr));
  }, [showQr, qr, url]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(url);
      onStatus("Room link copied — send it to your partner.");
    } catch {
      onStatus(`Copy this link: ${url}`);
    }
  }

  return (
    <div className="row share">
      <button type="button" onClick={() => void copy()}>
        Copy room link
      </button>
      {canShare && (
        <button type="button" onClick={() => void navigator.share({ title, text: "Jam with me on Backbeat", url }).catch(() => undefined)}>
          Share…
        </button>
      )}
      <button type="button" aria-expanded={showQr} aria-controls="room-qr" onClick={() => setShowQr(!showQr)}>
        QR code
      </button>
      {showQr && (
        <div id="room-qr" className="qr-popover">
          {qr ? <img src={qr} width={220} height={220} alt={`QR code of the room link ${url}`} /> : <span className="muted">Drawing…</span>}
        </div>
      )}
    </div>
  );
}
