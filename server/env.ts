/** Configuration, validated once at start-up. Empty strings count as unset. */
import { z } from "zod";
import { iceServerSchema } from "../core/protocol";
import { compileTrust, type TrustProxy } from "./client-address";
import { workerCount } from "./workers";

const emptyAsUnset = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
/**
 * TRUST_PROXY: a number of proxies ("true" is one, "false" none), or a comma-separated
 * list of the proxies' addresses, CIDR ranges or names (loopback, linklocal, uniquelocal).
 */
const trustProxySchema = z.preprocess(
  emptyAsUnset,
  z
    .string()
    .default("0")
    .transform((raw, ctx): TrustProxy => {
      const t = raw.trim().toLowerCase();
      const value: TrustProxy = t === "true" ? 1 : t === "false" ? 0 : /^\d+$/.test(t) ? Number(t) : t.split(",").map((p) => p.trim()).filter(Boolean);
      try {
        if (typeof value === "number" && value > 10) throw new RangeError(`at most 10 proxies, got: ${value}`);
        compileTrust(value); // the one check, by proxy-addr itself
      } catch (err) {
        ctx.addIssue({ code: "custom", message: `a number of proxies (0–10, true, false) or proxy addresses/ranges (e.g. "loopback, 10.0.0.0/8"): ${(err as Error).message}` });
        return z.NEVER;
      }
      return value;
    }),
);

const envSchema = z.object({
  NODE_ENV: z.preprocess(emptyAsUnset, z.enum(["development", "production", "test"]).default("production")),
  PORT: z.preprocess(emptyAsUnset, z.coerce.number().int().min(0).max(65535).default(3000)),
  HOST: z.preprocess(emptyAsUnset, z.string().default("0.0.0.0")),
  /** file:./data/backbeat.db (default, SQLite) or postgres(ql)://… */
  DATABASE_URL: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .default("file:./data/backbeat.db")
      .refine((u) => /^(file:|postgres(ql)?:\/\/)/.test(u), "DATABASE_URL must start with file: or postgres://"),
  ),
  /**
   * Worker processes on this machine (server/workers.ts): a whole number, or
   * "auto" for one per core. 1 (default): one process.
   */
  WORKERS: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .default("1")
      .superRefine((v, ctx) => {
        try {
          workerCount(v); // the one rule, also used where the count is taken
        } catch (err) {
          ctx.addIssue({ code: "custom", message: (err as Error).message });
        }
      }),
  ),
  /** redis://… : run as one of several servers sharing rooms through Redis; unset = one process, in memory */
  REDIS_URL: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .refine((u) => /^rediss?:\/\//.test(u), "REDIS_URL must start with redis:// or rediss://")
      .optional(),
  ),
  /**
   * The proxies in front (the nginx example in docs/deploy.md: 1): the per-address limits
   * then take the client's address from X-Forwarded-For, read from the right. A number of
   * proxies, or their addresses/ranges (server/client-address.ts). Unset (0): the socket's
   * own address; X-Forwarded-For is ignored.
   */
  TRUST_PROXY: trustProxySchema,
  /**
   * "off": no per-address limits at all — connections, room creation, look-ups, joins, the
   * recordings API (load tests from one machine); "on" by default (server/address-limits.ts)
   */
  IP_CONNECTION_LIMITS: z.preprocess(emptyAsUnset, z.enum(["on", "off"]).default("on")),
  /**
   * Seconds a room nobody is connected to stays in this server's memory (its state is in the
   * database): 60 by default, 0 = it leaves with its last member (server/room/membership.ts).
   */
  ROOM_IDLE_SECONDS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(0).max(86_400).default(60)),
  /**
   * With REDIS_URL: how long a room's lease lives in Redis without renewal (server/ownership-redis.ts),
   * i.e. how soon another server takes the rooms of one that died. 5 s by default; tests shorten it.
   */
  ROOM_LEASE_MS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(300).max(60_000).default(5_000)),
  /**
   * With REDIS_URL: the prefix of the per-address limits' Redis keys. The servers of one
   * deployment share it (the default); a test run or a second deployment on the same Redis
   * takes its own.
   */
  /**
   * STUN/TURN servers for the players' direct channels (issue 15, docs/direct-path.md): a JSON
   * array of RTCIceServer, e.g. [{"urls":"stun:stun.example.org:3478"}]. Unset = [] = host
   * candidates only, enough on one LAN and on one machine.
   */
  ICE_SERVERS: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .default("[]")
      .transform((raw, ctx) => {
        try {
          return JSON.parse(raw) as unknown;
        } catch (err) {
          ctx.addIssue({ code: "custom", message: `ICE_SERVERS must be JSON (an array of RTCIceServer): ${(err as Error).message}` });
          return z.NEVER;
        }
      })
      .pipe(z.array(iceServerSchema).max(8)),
  ),
  RATE_LIMIT_NAMESPACE: z.preprocess(emptyAsUnset, z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "1–64 letters, digits, _ . -").default("backbeat")),
});

export type Env = z.infer<typeof envSchema>;

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid configuration:\n${lines}`);
  }
  return parsed.data;
}
