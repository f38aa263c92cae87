#!/usr/bin/env node
/**
 * The several-servers tests (test/integration/multi-node*.test.ts) put a real nginx in front of
 * the servers (test/support/nginx.ts). They run whenever TEST_DATABASE_URL and TEST_REDIS_URL are
 * set; then `npm test` makes sure nginx is there: Debian's package via apt-get (as root or with
 * passwordless sudo), else a clear error. Without those variables the tests are skipped (and say
 * why), so nothing is installed.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const NGINX_BIN = process.env.NGINX_BIN?.trim() || "/usr/sbin/nginx";

function run(cmd, args) {
  console.error(`$ ${cmd} ${args.join(" ")}`);
  return spawnSync(cmd, args, { stdio: ["ignore", "inherit", "inherit"] }).status === 0;
}

function tryApt() {
  if (!existsSync("/usr/bin/apt-get")) return false;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot) {
    try {
      execFileSync("sudo", ["-n", "true"], { stdio: "ignore" });
    } catch {
      return false;
    }
  }
  const apt = (args) => (isRoot ? run("apt-get", args) : run("sudo", ["-n", "apt-get", ...args]));
  return apt(["update", "-qq"]) && apt(["install", "-y", "-qq", "nginx"]);
}

const needed = !!process.env.TEST_DATABASE_URL?.trim() && !!process.env.TEST_REDIS_URL?.trim();
if (!needed) {
  console.log("nginx: not needed (TEST_DATABASE_URL and TEST_REDIS_URL unset: the several-servers tests are skipped)");
} else if (existsSync(NGINX_BIN)) {
  console.log(NGINX_BIN);
} else {
  console.error(`No nginx at ${NGINX_BIN}; trying Debian's nginx package…`);
  if (!tryApt() || !existsSync(NGINX_BIN)) {
    console.error(
      "\nERROR: the several-servers tests need nginx (TEST_DATABASE_URL and TEST_REDIS_URL are set).\n" +
        "Install it with `sudo apt-get install -y nginx` (Debian/Ubuntu), point NGINX_BIN at an nginx binary,\n" +
        "or unset TEST_REDIS_URL to skip those tests.\n",
    );
    process.exit(1);
  }
  console.log(NGINX_BIN);
}
