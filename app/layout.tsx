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
        <header className="site-header">
          <a href="/" className="brand" aria-label="Backbeat home">
            <span aria-hidden="true">◉</span> Backbeat
          </a>
        </header>
        <main className="site-main">{children}</main>
      </body>
    </html>
  );
}
