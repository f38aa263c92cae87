/** Configuration, validated once at start-up. Empty strings count as unset. */
import { z } from "zod";

const emptyAsUnset = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

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
  /** redis://… : run as one of several servers sharing rooms through Redis; unset = one process, in memory */
  REDIS_URL: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .refine((u) => /^rediss?:\/\//.test(u), "REDIS_URL must start with redis:// or rediss://")
      .optional(),
  ),
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
