#!/usr/bin/env node
/**
 * The several-servers tests (test/integration/multi-node*.test.ts) put a real nginx in front of
 * the servers (test/support/nginx.ts). They run whenever TEST_DATABASE_URL and TEST_REDIS_URL are
 * set; then `npm test` makes sure nginx is there: Debian's package via apt-get (as root or with
 * passwordless sudo), else a clear error. Without those variables the tests are skipped (and say
 * why), so nothing is installed.
 */
import { existsSync } from "node:fs";
import { aptInstall } from "./apt-install.mjs";

const NGINX_BIN = process.env.NGINX_BIN?.trim() || "/usr/sbin/nginx";

const needed = !!process.env.TEST_DATABASE_URL?.trim() && !!process.env.TEST_REDIS_URL?.trim();
if (!needed) {
  console.log("nginx: not needed (TEST_DATABASE_URL and TEST_REDIS_URL unset: the several-servers tests are skipped)");
} else if (existsSync(NGINX_BIN)) {
  console.log(NGINX_BIN);
} else {
  console.error(`No nginx at ${NGINX_BIN}; trying Debian's nginx package…`);
  if (!aptInstall("nginx") || !existsSync(NGINX_BIN)) {
    console.error(
      "\nERROR: the several-servers tests need nginx (TEST_DATABASE_URL and TEST_REDIS_URL are set).\n" +
        "Install it with `sudo apt-get install -y nginx` (Debian/Ubuntu), point NGINX_BIN at an nginx binary,\n" +
        "or unset TEST_REDIS_URL to skip those tests.\n",
    );
    process.exit(1);
  }
  console.log(NGINX_BIN);
}
