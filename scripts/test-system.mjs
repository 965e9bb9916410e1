// `npm run test:system`: tests that need Debian packages or daemons. As root it installs them with apt-get;
// otherwise it stops and says what to install. Nothing is skipped silently.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { root, vitest, record } from "./results.mjs";

const APT = [
  "python3-xarray", "python3-zarr", "python3-numcodecs", "python3-zstandard", "python3-lz4", "python3-cftime", "zstd", "lz4",
  "munge", "slurmctld", "slurmd", "slurm-client", "python3-boto3", "python3-botocore",
  "python3-netcdf4", "python3-scipy", "python3-dask", "netcdf-bin", "python3-h5py", "python3-hdf5plugin", "hdf5-filter-plugin", "hdf5-filter-plugin-blosc-serial",
];

function missing() {
  const r = spawnSync("dpkg-query", ["-W", "-f=${Package} ${db:Status-Status}\n", ...APT], { encoding: "utf8" });
  const have = new Set((r.stdout ?? "").split("\n").filter((l) => l.endsWith(" installed")).map((l) => l.split(" ")[0]));
  return APT.filter((p) => !have.has(p));
}

let need = missing();
if (need.length) {
  if (process.getuid?.() !== 0) {
    console.error(`test:system needs these Debian packages: ${need.join(" ")}\n  sudo apt-get install --no-install-recommends ${need.join(" ")}`);
    record("system", 0, 1);
    process.exit(1);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  spawnSync("apt-get", ["update", "-q"], { stdio: "inherit", env });
  const r = spawnSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...need], { stdio: "inherit", env });
  need = missing();
  if (r.status !== 0 || need.length) {
    console.error(`test:system: apt-get could not install ${need.join(" ")}`);
    record("system", 0, 1);
    process.exit(1);
  }
}
const res = vitest("system", "test/vitest.system.config.ts", process.argv.slice(2));
console.log(`npm run test:system: ${res.passed} passed, ${res.failed} failed`);
process.exit(res.failed ? 1 : 0);
