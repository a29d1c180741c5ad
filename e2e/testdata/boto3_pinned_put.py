"""A presigned PUT that pins the body's SHA-256, signed by botocore.

Usage: boto3_pinned_put.py ENDPOINT BUCKET
Root credentials come from the environment. botocore's query signer signs
every header it is given, and when x-amz-content-sha256 is among them it
signs that value as the payload hash, so the URL takes one body only.
Prints one JSON line: the status and error code of the pinned body, of
another body, and of the pinned body sent without the signed header.
"""
import hashlib
import json
import re
import sys
import traceback
import urllib.error
import urllib.request

import boto3
import botocore.auth
import botocore.awsrequest
from botocore.config import Config

endpoint, bucket = sys.argv[1], sys.argv[2]
out = {}


def put(url, body, headers):
    req = urllib.request.Request(url, data=body, method="PUT", headers=headers)
    try:
        with urllib.request.urlopen(req) as r:
            return {"status": r.status, "code": ""}
    except urllib.error.HTTPError as e:
        m = re.search(r"<Code>([^<]*)</Code>", e.read().decode("latin-1"))
        return {"status": e.code, "code": m.group(1) if m else ""}


try:
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      config=Config(signature_version="s3v4", retries={"max_attempts": 1}))
    s3.create_bucket(Bucket=bucket)
    good, evil = b"exactly this file\n", b"something else entirely\n"
    pinned = hashlib.sha256(good).hexdigest()
    creds = boto3.session.Session().get_credentials().get_frozen_credentials()
    req = botocore.awsrequest.AWSRequest(method="PUT", url=f"{endpoint}/{bucket}/pinned.txt",
                                         headers={"X-Amz-Content-SHA256": pinned})
    botocore.auth.S3SigV4QueryAuth(creds, "s3", "us-east-1", expires=600).add_auth(req)
    url = req.url
    out["signed_headers"] = re.search(r"X-Amz-SignedHeaders=([^&]*)", url).group(1)
    hdr = {"X-Amz-Content-SHA256": pinned, "Content-Type": ""}
    out["good"] = put(url, good, hdr)
    out["evil"] = put(url, evil, hdr)
    out["no_header"] = put(url, good, {"Content-Type": ""})
    out["stored"] = s3.get_object(Bucket=bucket, Key="pinned.txt")["Body"].read().decode()
    out["good_body"] = good.decode()
except Exception as e:  # reported, not raised: the Go test prints it
    out["error"] = repr(e)
    out["traceback"] = traceback.format_exc()
print(json.dumps(out))
