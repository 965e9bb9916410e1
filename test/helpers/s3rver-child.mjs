// s3rver in a process of its own, started with --openssl-legacy-provider (its continuation tokens use DES,
// which OpenSSL 3 refuses otherwise). argv: directory, buckets (comma-separated). Prints {"port":N} once up;
// stops on SIGTERM or when its parent's stdin closes.
import S3rver from "s3rver";

const [directory, buckets = "bkt"] = process.argv.slice(2);
const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, configureBuckets: buckets.split(",").map((name) => ({ name })) });
const { port } = await server.run();
process.stdout.write(JSON.stringify({ port }) + "\n");
const stop = () => server.close().finally(() => process.exit(0));
process.on("SIGTERM", stop);
process.stdin.on("end", stop);
process.stdin.resume();
