/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Only `npm run bench:bundle` (its own dist dir) emits browser source maps: it reads them to
  // say which packages and files fill each page's JS (docs/benchmarks/bundle.md).
  productionBrowserSourceMaps: process.env.BACKBEAT_BROWSER_SOURCEMAPS === "1",
  // NEXT_DIST_DIR lets two builds of one checkout (e.g. a benchmark and a test run) not collide.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // `npm run typecheck` checks the whole project (server, core, tests) once in CI;
  // repeating it inside every `next build` only slows `npm start` and `npm test`.
  typescript: { ignoreBuildErrors: true },
  // Server-only packages stay external (the custom server owns them anyway).
  serverExternalPackages: ["better-sqlite3", "@prisma/client", "pg"],
};

export default nextConfig;
