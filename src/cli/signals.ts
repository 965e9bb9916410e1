// SIGTERM (what SLURM and other batch systems send at a time limit or on preemption) and SIGINT (Ctrl-C) stop
// `write` and `run` gracefully: they abort an AbortSignal that the writer checks before each chunk, so no new
// chunk starts, chunk writes in flight finish (each is atomic) and no completion record is written. The
// command then exits 128 + the signal's number (143, 130). A second signal exits at once.
import process from "node:process";

export type StopSignal = "SIGTERM" | "SIGINT";

/** Exit statuses of a command stopped by a signal: 128 + its number, as shells report it. */
export const SIGNAL_EXIT: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

export interface Interrupt {
  /** Aborted at the first signal (its reason names the signal). */
  readonly signal: AbortSignal;
  /** The first signal received, if any. */
  readonly received: StopSignal | undefined;
  /** Stops listening (the default handlers apply again). */
  dispose(): void;
}

/**
 * Listen for SIGTERM and SIGINT while a command runs. `said(sig)` is the line written to `err` at the first
 * signal; a second one exits at once with its status.
 */
export function listenForStop(err: { write(s: string): unknown }, said: (sig: StopSignal) => string): Interrupt {
  const ac = new AbortController();
  let received: StopSignal | undefined;
  const handlers = new Map<StopSignal, () => void>();
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    const h = () => {
      if (received) {
        err.write(`xpartition: ${sig} again: quitting now\n`);
        process.exit(SIGNAL_EXIT[sig]);
      }
      received = sig;
      err.write(said(sig));
      ac.abort(Object.assign(new Error(`stopped by ${sig}`), { name: "AbortError" }));
    };
    handlers.set(sig, h);
    process.on(sig, h);
  }
  return {
    signal: ac.signal,
    get received() {
      return received;
    },
    dispose() {
      for (const [sig, h] of handlers) process.off(sig, h);
    },
  };
}
