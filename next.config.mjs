/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // `npm run typecheck` checks the whole project (server, core, tests) once in CI;
  // repeating it inside every `next build` only slows `npm start` and `npm test`.
  typescript: { ignoreBuildErrors: true },
  // Server-only packages stay external (the custom server owns them anyway).
  serverExternalPackages: ["better-sqlite3", "@prisma/client", "pg"],
};

export default nextConfig;
