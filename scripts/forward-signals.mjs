/**
 * Runs a child process in the foreground of this one, as a process manager
 * expects of `npm start`: SIGTERM, SIGINT and SIGHUP sent to this process are
 * passed on to the child (the Backbeat server then stops gracefully: it writes
 * every pending hit first, server/run.ts), and this process ends the way the
 * child did. With spawnSync the signal ended only this process and the server
 * kept running (issue 12).
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";

export const FORWARDED_SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP"];

/**
 * Spawns `command args` (stdio inherited unless `options.stdio` says otherwise),
 * forwards the signals above to it while it runs, and resolves with how it ended.
 */
export function runForwardingSignals(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: "inherit", ...options });
    const forward = (signal) => {
      // The child may already be gone (a Ctrl+C reaches the whole process group at once).
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    for (const s of FORWARDED_SIGNALS) process.on(s, forward);
    const stopForwarding = () => {
      for (const s of FORWARDED_SIGNALS) process.off(s, forward);
    };
    child.once("error", (err) => {
      stopForwarding();
      reject(err);
    });
    child.once("exit", (code, signal) => {
      stopForwarding();
      resolve({ code, signal });
    });
  });
}

/**
 * Ends this process as the child ended: with its exit code, or killed by the
 * same signal (so whoever started us sees the same thing).
 */
export function exitLikeChild({ code, signal }) {
  if (signal) {
    process.kill(process.pid, signal); // no listener is left for it (runForwardingSignals removed them)
    // Should it not end us (it is ignored here), the shell's convention for "killed by a signal".
    setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 1000);
    return;
  }
  process.exit(code ?? 1);
}
