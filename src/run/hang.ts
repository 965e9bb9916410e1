// A compute whose promise never settles leaves the event loop empty with the write pending: Node would exit 13
// with no message (the CLI) or a worker thread would wait forever (run's pool). Both report this instead.
import { pendingComputes } from "../write/chunks.js";

export class ComputeHangError extends Error {
  override name = "ComputeHangError";
}

/** The error for an event loop that emptied with work pending: naming each compute in flight. */
export function computeHangError(): ComputeHangError {
  const list = [...pendingComputes].map((c) => `variable ${JSON.stringify(c.variable)} region ${c.region}`);
  return new ComputeHangError(
    list.length
      ? `the compute of ${list.join(", ")} never settled: its promise is pending and nothing is left to run (a promise never resolved nor rejected)`
      : "the command did not finish: a promise is pending and nothing is left to run (a promise never resolved nor rejected)",
  );
}
