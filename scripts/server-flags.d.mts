/** Types for server-flags.mjs (plain JS so scripts/start.mjs can import it without tsx). */
export declare const SERVER_NODE_FLAGS: readonly string[];
