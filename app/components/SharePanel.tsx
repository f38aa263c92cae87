"use client";
import { useEffect, useId, useState } from "react";
import styles from "./SharePanel.module.css";

/**
 * Copy link, the native share sheet where there is one, and a QR code of the link (qrcode library).
 * A private room says so (the link alone does not let anyone in); its host can reveal the passcode.
 */
export function SharePanel({
  url,
  title,
  onStatus,
  privateRoom = false,
  passcode,
  qrOpen = false,
}: {
  url: string;
  title: string;
  onStatus: (s: string) => void;
  privateRoom?: boolean;
  /** the host's own passcode (kept in their browser only) */
  passcode?: string;
  /** show the QR code from the start, in the flow of the page (the waiting-for-a-partner card) */
  qrOpen?: boolean;
}) {
  const [showPasscode, setShowPasscode] = useState(false);
  const [qr, setQr] = useState<string | null>(null);
  const [showQr, setShowQr] = useState(qrOpen);
  const qrId = useId();
  const passcodeId = useId();
  const [canShare, setCanShare] = useState(false);
  useEffect(() => setCanShare(typeof navigator !== "undefined" && typeof navigator.share === "function"), []);
  useEffect(() => {
    if (!showQr || qr) return;
    void import("qrcode").then((QR) => QR.toDataURL(url, { margin: 1, width: 220, color: { dark: "#0b0d12", light: "#ffffff" } }).then(setQr));
  }, [showQr, qr, url]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(url);
      onStatus(privateRoom ? "Room link copied — send it to your partner, and tell them the passcode." : "Room link copied — send it to your partner.");
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
      <button type="button" aria-expanded={showQr} aria-controls={qrId} onClick={() => setShowQr(!showQr)}>
        QR code
      </button>
      {privateRoom && (
        <span className="muted">
          <span aria-hidden="true">🔒 </span>Private room: partners need the passcode too, the link alone is not enough.
        </span>
      )}
      {privateRoom && passcode && (
        <>
          <button type="button" className="small" aria-expanded={showPasscode} aria-controls={passcodeId} onClick={() => setShowPasscode(!showPasscode)}>
            {showPasscode ? "Hide passcode" : "Show passcode"}
          </button>
          {showPasscode && (
            <span id={passcodeId}>
              Passcode: <code>{passcode}</code>
            </span>
          )}
        </>
      )}
      {showQr && (
        <div id={qrId} className={qrOpen ? styles.qrInline : "qr-popover"}>
          {qr ? <img src={qr} width={220} height={220} alt={`QR code of the room link ${url}`} /> : <span className="muted">Drawing…</span>}
        </div>
      )}
    </div>
  );
}
