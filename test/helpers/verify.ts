// expectVerified: `verifyStore` on a store another test wrote, failing with verify's own report when the store
// is not whole. Integration tests call it on the stores they write, so verify is checked on all of them.
import { expect } from "vitest";
import { verifyStore, type VerifyOptions } from "../../src/verify/verify.js";
import { formatReport, type ProblemKind, type VerifyReport } from "../../src/verify/report.js";
import type { StoreLike } from "../../src/store/index.js";

export async function expectVerified(
  store: StoreLike,
  options: VerifyOptions & {
    /** Problem kinds this test expects and accepts (e.g. "rank" for a store with ranks left to write). */
    allow?: ProblemKind[];
  } = {},
): Promise<VerifyReport> {
  const report = await verifyStore(store, options);
  const allow = new Set(options.allow ?? []);
  const bad = report.problems.filter((p) => !allow.has(p.kind));
  if (bad.length) expect.fail(`verify found problems:\n${formatReport(report)}`);
  // Every chunk present was decoded: the check ran on something.
  expect(report.chunks.checked).toBe(report.arrays.reduce((n, a) => n + a.present, 0));
  return report;
}
