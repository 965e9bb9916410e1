// netCDF as a SOURCE format of the CLI grammar (src/sources/detect.ts): a file starting with netCDF-3's "CDF"
// or HDF5's magic bytes. Imported for its side effect after detect.ts (never from it: a cycle would run this
// before detect's registry exists).
import { registerSourceFormat } from "../detect.js";
import { fingerprintOf } from "./fingerprint.js";
import { describeNetCDF, openNetCDF, sniff } from "./open.js";

registerSourceFormat({
  name: "netcdf",
  describe: "a netCDF file (netCDF-3 classic, 64-bit offset or CDF-5, or netCDF-4)",
  async detect(loc) {
    return loc.isFile && (await sniff(loc.location)) !== undefined;
  },
  open: (location, options) => openNetCDF(location, { ...(options.dropVariables ? { dropVariables: options.dropVariables } : {}) }),
  fingerprint: async (location) => fingerprintOf(await describeNetCDF(location)),
});
