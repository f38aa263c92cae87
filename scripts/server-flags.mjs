/**
 * V8 flags the Backbeat server runs with (scripts/start.mjs, `npm run serve`, the
 * relay benchmark). A 32 MiB young generation: every relayed hit allocates a little
 * (Socket.IO packets, frames, the hit itself), and with the default semi-space the
 * scavenger ran often enough to cost ~10% of the server's CPU and add pauses to
 * the p99 (docs/benchmarks/relay.md).
 */
export const SERVER_NODE_FLAGS = ["--max-semi-space-size=32"];
