"""The peer of bench/s3.bench.mjs: upload a directory of already-encoded zarr files to S3 with boto3's
upload_file machinery (s3transfer's TransferManager, the thread pool upload_file runs on; one manager for all
files, so its max_concurrency threads upload files side by side).

argv: endpoint_url bucket prefix directory [max_concurrency (default 10, boto3's)]
Prints JSON: seconds (the uploads only: client made, files listed beforehand), files, bytes, cpuSeconds
(this process's user + system CPU over the uploads, all threads).
Debian's boto3 1.26 ignores AWS_ENDPOINT_URL, so the endpoint is passed explicitly."""
import json
import os
import resource
import sys
import time

import boto3
from boto3.s3.transfer import TransferConfig, create_transfer_manager
from botocore.config import Config

endpoint, bucket, prefix, directory = sys.argv[1:5]
concurrency = int(sys.argv[5]) if len(sys.argv) > 5 else 10
client = boto3.client(
    "s3", endpoint_url=endpoint, aws_access_key_id="S3RVER", aws_secret_access_key="S3RVER", region_name="us-east-1",
    config=Config(s3={"addressing_style": "path"}, max_pool_connections=max(10, concurrency)),
)
files = []
for dirpath, _, names in os.walk(directory):
    for n in names:
        path = os.path.join(dirpath, n)
        files.append((path, prefix + "/" + os.path.relpath(path, directory).replace(os.sep, "/")))
size = sum(os.path.getsize(p) for p, _ in files)
t0 = time.perf_counter()
ru0 = resource.getrusage(resource.RUSAGE_SELF)
with create_transfer_manager(client, TransferConfig(max_concurrency=concurrency)) as manager:
    futures = [manager.upload(p, bucket, k) for p, k in files]
    for f in futures:
        f.result()
seconds = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_SELF)
cpu = ru.ru_utime + ru.ru_stime - ru0.ru_utime - ru0.ru_stime
print(json.dumps({"seconds": seconds, "cpuSeconds": cpu, "files": len(files), "bytes": size, "concurrency": concurrency}))
