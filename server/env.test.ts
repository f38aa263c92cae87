import { describe, expect, it } from "vitest";
import { loadEnv } from "./env";

const env = (vars: Record<string, string>) => loadEnv(vars as NodeJS.ProcessEnv);

describe("ICE_SERVERS", () => {
  it("unset or empty is no ICE server: host candidates only", () => {
    expect(env({}).ICE_SERVERS).toEqual([]);
    expect(env({ ICE_SERVERS: "  " }).ICE_SERVERS).toEqual([]);
  });

  it("takes a JSON array of RTCIceServer", () => {
    const servers = [{ urls: "stun:stun.example.org:3478" }, { urls: ["turn:turn.example.org"], username: "u", credential: "p" }];
    expect(env({ ICE_SERVERS: JSON.stringify(servers) }).ICE_SERVERS).toEqual(servers);
  });

  it("refuses what is not JSON, not an array or not a STUN/TURN url, saying so", () => {
    expect(() => env({ ICE_SERVERS: "stun:x" })).toThrow(/ICE_SERVERS must be JSON/);
    expect(() => env({ ICE_SERVERS: '{"urls":"stun:x"}' })).toThrow(/ICE_SERVERS/);
    expect(() => env({ ICE_SERVERS: '[{"urls":"http://x"}]' })).toThrow(/stun:, turn: or turns:/);
  });
});
