// The s3: entry of the store scheme table: `s3://bucket/prefix` opens an S3Store (configuration from the
// environment and ~/.aws, ./config.ts); worker threads reopen it from its plain options (S3Store.toOptions).
import type { StoreOptions, StoreScheme } from "../resolve.js";
import { S3Store, parseS3Url, type S3StoreOptions } from "./store.js";

export { S3Store, isConditionalUnsupported, parseS3Url, type MultipartUpload, type S3StoreOptions } from "./store.js";
export { S3Error } from "./request.js";
export type { S3Credentials, CredentialProvider } from "./credentials.js";

export const s3Scheme: StoreScheme = {
  open: (url) => new S3Store(parseS3Url(url)),
  options: (store) => (store instanceof S3Store ? { scheme: "s3", ...store.toOptions() } : undefined),
  reopen: (o: StoreOptions) => {
    const { scheme: _scheme, ...rest } = o;
    return new S3Store(rest as unknown as S3StoreOptions);
  },
};
