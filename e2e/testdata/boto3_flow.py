#!/usr/bin/env python3
"""boto3 core flow against signet, driven by e2e_test.go.

usage: boto3_flow.py ENDPOINT BUCKET WORKDIR VERIFY

WORKDIR holds small.bin and big.bin (written by the Go test). VERIFY is a CA
bundle path for HTTPS, or "-". Prints one JSON document on stdout; the Go test
checks every value against what it computed itself. Any exception is reported
as {"error": ...} with exit status 1.
"""

import hashlib
import json
import ssl
import sys
import traceback
import urllib.error
import urllib.request

import boto3
import botocore
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

MiB = 1024 * 1024


def main():
    endpoint, bucket, workdir, verify = sys.argv[1:5]
    verify_arg = None if verify == "-" else verify
    out = {"boto3": boto3.__version__, "botocore": botocore.__version__, "steps": []}
    sent = []  # how botocore sent each PutObject/UploadPart

    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        verify=verify_arg,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1, "mode": "standard"},
        ),
    )

    def record(request, **kwargs):
        h = request.headers
        get = lambda k: (h.get(k).decode() if isinstance(h.get(k), bytes) else h.get(k))
        sent.append(
            {
                "url": request.url.split("?")[0],
                "x-amz-content-sha256": get("x-amz-content-sha256"),
                "x-amz-trailer": get("x-amz-trailer"),
                "content-encoding": get("content-encoding"),
                "transfer-encoding": get("transfer-encoding"),
                "content-length": get("content-length"),
                "x-amz-decoded-content-length": get("x-amz-decoded-content-length"),
                "x-amz-checksum-crc32": get("x-amz-checksum-crc32"),
            }
        )

    s3.meta.events.register("before-send.s3.PutObject", record)
    s3.meta.events.register("before-send.s3.UploadPart", record)

    def step(name):
        out["steps"].append(name)

    step("create_bucket")
    s3.create_bucket(Bucket=bucket)

    step("put_object")
    small = open(f"{workdir}/small.bin", "rb").read()
    r = s3.put_object(Bucket=bucket, Key="small.bin", Body=small, Metadata={"colour": "green"})
    out["put_etag"] = r["ETag"]
    out["put_crc32"] = r.get("ChecksumCRC32")

    step("upload_file")
    cfg = TransferConfig(multipart_threshold=8 * MiB, multipart_chunksize=8 * MiB, max_concurrency=2)
    s3.upload_file(f"{workdir}/big.bin", bucket, "big.bin", Config=cfg)
    h = s3.head_object(Bucket=bucket, Key="big.bin")
    out["big_etag"] = h["ETag"]
    out["big_length"] = h["ContentLength"]
    h = s3.head_object(Bucket=bucket, Key="small.bin")
    out["small_head"] = {"etag": h["ETag"], "length": h["ContentLength"], "metadata": h.get("Metadata", {})}

    step("get_object")
    r = s3.get_object(Bucket=bucket, Key="big.bin")
    out["big_sha256"] = hashlib.sha256(r["Body"].read()).hexdigest()

    step("get_object range")
    r = s3.get_object(Bucket=bucket, Key="big.bin", Range="bytes=8388600-8388699")
    body = r["Body"].read()
    out["range"] = {"status": r["ResponseMetadata"]["HTTPStatusCode"], "content_range": r.get("ContentRange"), "sha256": hashlib.sha256(body).hexdigest(), "length": len(body)}

    step("list_objects_v2 paginator")
    for k in ["p/1", "p/2", "p/3", "p/4", "p/5", "p/sub/6"]:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
    pages = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="p/", Delimiter="/", PaginationConfig={"PageSize": 2}):
        pages.append(
            {
                "KeyCount": page.get("KeyCount"),
                "IsTruncated": page.get("IsTruncated"),
                "Keys": [o["Key"] for o in page.get("Contents", [])],
                "Prefixes": [p["Prefix"] for p in page.get("CommonPrefixes", [])],
            }
        )
    out["pages"] = pages

    step("generate_presigned_url")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "small.bin"}, ExpiresIn=600)
    out["presigned_url"] = url
    ctx = None
    if verify_arg:
        ctx = ssl.create_default_context(cafile=verify_arg)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=ctx))
    with opener.open(url, timeout=30) as resp:
        data = resp.read()
        out["presigned_get"] = {"status": resp.status, "sha256": hashlib.sha256(data).hexdigest()}

    step("missing key")
    try:
        s3.get_object(Bucket=bucket, Key="no-such-key")
        out["missing_code"] = None
    except botocore.exceptions.ClientError as e:
        out["missing_code"] = e.response["Error"]["Code"]

    step("delete")
    s3.delete_object(Bucket=bucket, Key="small.bin")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in ["big.bin", "p/1", "p/2", "p/3", "p/4", "p/5", "p/sub/6"]]})
    out["deleted"] = sorted(d["Key"] for d in r.get("Deleted", []))
    out["delete_errors"] = r.get("Errors", [])
    out["left"] = s3.list_objects_v2(Bucket=bucket).get("KeyCount")
    s3.delete_bucket(Bucket=bucket)
    out["buckets_after"] = [b["Name"] for b in s3.list_buckets().get("Buckets", [])]

    out["sent"] = sent
    return out


if __name__ == "__main__":
    try:
        res = main()
    except Exception as e:  # report everything to the Go test
        detail = {"error": repr(e), "traceback": traceback.format_exc()}
        if isinstance(e, botocore.exceptions.ClientError):
            detail["response"] = {k: v for k, v in e.response.items() if k != "ResponseMetadata"}
            detail["response"]["HTTPStatusCode"] = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        print(json.dumps(detail, default=str))
        sys.exit(1)
    print(json.dumps(res, default=str))
