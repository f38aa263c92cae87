import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Backbeat — play drums together, in time", template: "%s · Backbeat" },
  description: "Open one link, hit the pads, and hear your partner's hits land on the shared beat.",
};

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  themeColor: "#0b0d12",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        {/* one row on a phone too: the room's pads need the height (inline: globals.css is shared) */}
        <header className="site-header" style={{ display: "flex", alignItems: "center", justifyContent: "space-between", gap: 12 }}>
          <a href="/" className="brand" aria-label="Backbeat home">
            <span aria-hidden="true">◉</span> Backbeat
          </a>
          <nav aria-label="Site">
            <a href="/recordings">My recordings</a>
          </nav>
        </header>
        <main className="site-main">{children}</main>
      </body>
    </html>
  );
}
