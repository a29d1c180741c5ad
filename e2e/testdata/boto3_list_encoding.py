"""Keys that need URL encoding in a listing, listed by botocore.

Usage: boto3_list_encoding.py ENDPOINT BUCKET
Root credentials come from the environment. botocore asks for
EncodingType=url on every listing by itself and decodes Key, Prefix,
Delimiter, StartAfter and Marker with unquote_plus, so each key must come
back exactly as it was put. Prints one JSON line: the keys put and the
keys and prefixes listed by ListObjectsV2 and ListObjects.
"""
import json
import sys
import traceback

import boto3
from botocore.config import Config

endpoint, bucket = sys.argv[1], sys.argv[2]
out = {}
KEYS = ["a b/one", "a+b/two", "100%/three", "\u00e9 \u00fc/four", "ctl\x01\x1f/five", "plus+and space"]

try:
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      config=Config(signature_version="s3v4", retries={"max_attempts": 1}))
    s3.create_bucket(Bucket=bucket)
    for k in KEYS:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    out["put"] = sorted(KEYS)
    v2 = s3.list_objects_v2(Bucket=bucket)
    out["v2_keys"] = [o["Key"] for o in v2.get("Contents", [])]
    d = s3.list_objects_v2(Bucket=bucket, Delimiter="/", StartAfter="a b/one")
    out["v2_prefixes"] = [p["Prefix"] for p in d.get("CommonPrefixes", [])]
    out["v2_delimiter"] = d.get("Delimiter", "")
    out["v2_start_after"] = d.get("StartAfter", "")
    v1 = s3.list_objects(Bucket=bucket, Prefix="ctl\x01\x1f/", Delimiter="/", Marker="ctl\x01\x1f/")
    out["v1_keys"] = [o["Key"] for o in v1.get("Contents", [])]
    out["v1_prefix"] = v1.get("Prefix", "")
    out["v1_marker"] = v1.get("Marker", "")
except Exception as e:  # reported, not raised: the Go test prints it
    out["error"] = repr(e)
    out["traceback"] = traceback.format_exc()
print(json.dumps(out))
