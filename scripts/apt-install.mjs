/**
 * Installs a Debian package for the tests (Chromium, nginx) when this machine allows it: apt-get
 * as root, or through passwordless sudo. Returns whether apt-get succeeded; never throws.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export function run(cmd, args) {
  console.error(`$ ${cmd} ${args.join(" ")}`);
  return spawnSync(cmd, args, { stdio: ["ignore", "inherit", "inherit"] }).status === 0;
}

export function aptInstall(pkg) {
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
  return apt(["update", "-qq"]) && apt(["install", "-y", "-qq", pkg]);
}
