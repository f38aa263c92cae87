/** Configuration, validated once at start-up. Empty strings count as unset. */
import { z } from "zod";
import { workerCount } from "./workers";

const emptyAsUnset = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
/** TRUST_PROXY: a number of proxies; "true" is one, "false" none. */
const proxyHops = (v: unknown) => {
  const s = emptyAsUnset(v);
  if (typeof s !== "string") return s;
  const t = s.trim().toLowerCase();
  return t === "true" ? 1 : t === "false" ? 0 : t;
};

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
   * How many proxies stand in front (the nginx example in docs/deploy.md: 1): the
   * per-address connection limits then take the client's address from X-Forwarded-For,
   * read from the right. Unset (0): the socket's own address; X-Forwarded-For is ignored.
   */
  TRUST_PROXY: z.preprocess(proxyHops, z.coerce.number().int().min(0).max(10).default(0)),
  /** "off": no per-address connection limits (load tests from one machine); "on" by default */
  IP_CONNECTION_LIMITS: z.preprocess(emptyAsUnset, z.enum(["on", "off"]).default("on")),
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
