// The CLI's Commands on an existing store: `status`, `clean` and `verify`.
import { FileSystemStore } from "../store/fs.js";
import type { S3Store } from "../store/s3/index.js";
import { resolveStore as openStoreArg, storeScheme } from "../store/index.js";
import { intOption, UsageError } from "./args.js";
import { formatBytes, verifyProgressReporter } from "./progress.js";
import { verifyStore } from "../verify/verify.js";
import { formatReport } from "../verify/report.js";
import { storeStatus } from "../run/status.js";
import { command, storePath, checkStoreRoot } from "./command.js";

// ---------------------------------------------------------------------------------------------------- status
const status = command(
  "status",
  "Complete and missing ranks, and what to resubmit",
  "Which ranks of a store are complete, which are missing, and the exact list to resubmit.",
  "<store> [--json]",
  `
Reads the plan recorded by init and one completion record per rank (never a listing of chunks, nor the
ranks' chunk manifests). A record written for another schema or plan (a fingerprint that does not match), or
into an earlier initialisation of the store, counts as missing. A store whose init did not complete is an
error (exit 2), naming the init's host, pid and start time.

options:
  --json              print the status as JSON

exit status: 0 all ranks complete, 1 some missing, 2 error (no such store, no recorded plan)
`,
  { json: { type: "boolean" } },
  { min: 1, max: 1, names: ["store"] },
  async (v, [store], io) => {
    const path = storePath(store!, io);
    let st;
    try {
      checkStoreRoot("status", path, store!);
      st = await storeStatus(path);
    } catch (e) {
      // Every error exits 2, as --help says (1 means ranks missing); the store named as given.
      if (e instanceof UsageError) throw e;
      throw new UsageError((e as Error).message.split(path).join(store!));
    }
    const list = st.resubmit?.slice("--array=".length) ?? "";
    if (v.json) {
      const problems = st.details.filter((s) => s.state !== "complete" && s.state !== "missing").map((s) => ({ rank: s.rank, state: s.state, reason: s.reason }));
      io.out.write(JSON.stringify({
        store, ranks: st.ranks, dims: st.dims, complete: st.complete, missing: st.missing, problems, resubmit: st.resubmit,
        chunks: st.chunks, bytesIn: st.bytesIn, bytesOut: st.bytesOut,
      }, null, 2) + "\n");
      return st.missing.length ? 1 : 0;
    }
    io.out.write(`${store}: ${st.ranks} ranks over ${st.dims.join(",")}\n`);
    io.out.write(`complete: ${st.complete.length} of ${st.ranks} ranks (${st.chunks} chunks, ${formatBytes(st.bytesIn)} in, ${formatBytes(st.bytesOut)} out)\n`);
    if (!st.missing.length) {
      io.out.write("all ranks complete\n");
      return 0;
    }
    io.out.write(`missing: ${st.missing.length} rank${st.missing.length === 1 ? "" : "s"}: ${list}\n`);
    for (const s of st.details) if (s.state !== "complete" && s.state !== "missing") io.out.write(`  rank ${s.rank}: record ${s.state} (${s.reason})\n`);
    io.out.write(`resubmit: ${st.resubmit}\n`);
    return 1;
  },
);

// ---------------------------------------------------------------------------------------------------- clean
const clean = command(
  "clean",
  "Remove temporary files left by killed writes",
  "Removes the temporary files (*.xptmp) that writes killed mid-chunk left in a filesystem store;\nin an S3 store (s3://bucket/prefix), aborts the multipart uploads left under its prefix.",
  "<store> [--min-age SECONDS] [--dry-run]",
  `
A chunk is written to a temporary file in its directory, then renamed into place, so a killed rank never
leaves a torn chunk, but it may leave its temporary file behind. Those files are never keys and readers
ignore them; this reclaims their space (one walk over the store's files).

options:
  --min-age SECONDS   only files not modified for this long (default 60: a live writer holds its temporary
                      file only while one chunk is written)
  --dry-run           list them, remove nothing

S3 stores: multipart uploads (values above the multipart threshold) of killed writes are listed
(ListMultipartUploads) and aborted when older than --min-age; a lifecycle rule AbortIncompleteMultipartUpload
does the same on the server's side.

exit status: 0 done (also when there was nothing to remove), 2 error (no such store, not a directory, a
server that cannot list multipart uploads)
`,
  { "min-age": { type: "string" }, "dry-run": { type: "boolean" } },
  { min: 1, max: 1, names: ["store"] },
  async (v, [store], io) => {
    const minAgeSeconds = intOption("clean", v, "min-age", 0) ?? 60;
    const scheme = storeScheme(store!);
    if (scheme === "s3") {
      const s3 = openStoreArg(storePath(store!, io)) as S3Store;
      const dryRun = Boolean(v["dry-run"]);
      const ups = await s3.abortIncompleteUploads({ minAgeSeconds, dryRun }).catch((e: Error) => {
        throw new UsageError(`clean: ${e.message}`); // exit 2
      });
      if (dryRun) for (const u of ups) io.out.write(`s3://${s3.bucket}/${u.key} ${u.uploadId}\n`);
      io.out.write(`${store}: ${dryRun ? "would abort" : "aborted"} ${ups.length} multipart upload${ups.length === 1 ? "" : "s"} left by interrupted writes\n`);
      return 0;
    }
    if (scheme !== undefined && scheme !== "file") throw new UsageError(`clean: ${store} is not a filesystem store (its scheme is ${scheme}:)`);
    const path = storePath(store!, io);
    const fs = openStoreArg(path);
    if (!(fs instanceof FileSystemStore)) throw new UsageError(`clean: ${store} is not a filesystem store`);
    checkStoreRoot("clean", path, store!);
    const { files, bytes } = await fs.cleanTemporary({ minAgeSeconds, dryRun: Boolean(v["dry-run"]) }).catch((e: Error) => {
      throw new UsageError(`clean: ${e.message}`); // exit 2, as --help says
    });
    if (v["dry-run"]) for (const f of files) io.out.write(`${f}\n`);
    io.out.write(`${store}: ${v["dry-run"] ? "would remove" : "removed"} ${files.length} temporary file${files.length === 1 ? "" : "s"} (${formatBytes(bytes)}) left by interrupted writes\n`);
    return 0;
  },
);

// ---------------------------------------------------------------------------------------------------- verify
const verify = command(
  "verify",
  "Prove a store whole: decode every chunk, check it against its rank's manifest",
  "Reads every chunk of a store once and decodes it with zarrita and numcodecs.js (independent of the writer);\nchecks shard indexes, each complete rank's chunks against its manifest, and keys that do not belong.",
  "<store> [--json] [--concurrency N]",
  `
<store> is a directory path or a file: URL, used as given, or s3://bucket/prefix.

For every chunk (and every inner chunk of a shard): it decodes to its element count x dtype size. For every
shard: its index's CRC-32C matches and each entry lies within the shard. For every complete rank: each chunk
its manifest (/.xpartition/ranks/<rank>.chunks) lists is present with the same length and XXH64 (a byte
changed in a compressed chunk often still decodes), and no other chunk is in its region. Also listed: keys
under an array that are not chunks of its grid, keys at the root that are not zarr metadata, ranks without a
completion record, and (as warnings) temporary files of interrupted writes ('xpartition clean' removes them).

options:
  --json              print the report as JSON (its schema: README, "Verifying a store")
  --concurrency N     chunks read and decoded at once (default 8); memory holds at most N chunks or shards

On a terminal a live line on stderr shows chunks checked, MB/s and ETA. Problems are listed with the ranks
to write again, as 'xpartition status' prints them (resubmit: --array=...).

exit status: 0 whole, 1 problems found, 2 error (not a store, an initialisation that did not complete, a bad
command line)
`,
  { json: { type: "boolean" }, concurrency: { type: "string" } },
  { min: 1, max: 1, names: ["store"] },
  async (v, [store], io) => {
    const concurrency = intOption("verify", v, "concurrency", 1, 1024) ?? 8;
    const path = storePath(store!, io);
    let report;
    try {
      checkStoreRoot("verify", path, store!);
      report = await verifyStore(path, { concurrency, where: store!, onProgress: v.json ? undefined : verifyProgressReporter(io.err) });
    } catch (e) {
      // A store that cannot be verified exits 2, as --help says (1 means problems found); named as given.
      if (e instanceof UsageError) throw e;
      throw new UsageError((e as Error).message.split(path).join(store!));
    }
    io.out.write(v.json ? JSON.stringify(report, null, 2) + "\n" : formatReport(report));
    return report.ok ? 0 : 1;
  },
);

export { status, clean, verify };
