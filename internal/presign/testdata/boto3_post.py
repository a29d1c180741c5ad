#!/usr/bin/env python3
"""Writes boto3_post.json: what boto3's generate_presigned_post makes for
fixed credentials at a fixed time, for post_test.go to compare signet's
forms with. Run it from this folder to regenerate: python3 boto3_post.py
"""
import datetime
import json

import boto3
import botocore.auth
import botocore.signers
from botocore.config import Config

NOW = datetime.datetime(2026, 11, 27, 9, 0, 0)
# botocore reads the time through these two names; pin both.
botocore.auth.get_current_datetime = lambda: NOW
botocore.signers.get_current_datetime = lambda: NOW

KEY, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SKEY, SSECRET, TOKEN = "ASIAIOSFODNN7SESSION", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY", "FwoGZXIvYXdzEXAMPLE/token+with=odd/chars"


def client(version, key, secret, token=None):
    s = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret,
                              aws_session_token=token, region_name="us-east-1")
    return s.client("s3", endpoint_url="http://127.0.0.1:9000", config=Config(signature_version=version))


cases = {}
v4 = client("s3v4", KEY, SECRET)
cases["exact_key"] = v4.generate_presigned_post("photos", "cat.jpg", ExpiresIn=3600)
cases["prefix_with_conditions"] = v4.generate_presigned_post(
    "photos", "uploads/${filename}", ExpiresIn=600,
    Fields={"Content-Type": "image/png"},
    Conditions=[["content-length-range", 1, 10485760], {"Content-Type": "image/png"}])
cases["session"] = client("s3v4", SKEY, SSECRET, TOKEN).generate_presigned_post("photos", "cat.jpg", ExpiresIn=3600)
cases["sigv2"] = client("s3", KEY, SECRET).generate_presigned_post("photos", "cat.jpg", ExpiresIn=3600)

for c in cases.values():
    c["decoded_policy"] = json.loads(__import__("base64").b64decode(c["fields"]["policy"]))
    # Key order is part of what is compared: keep it as a list.
    c["field_order"] = list(c["fields"].keys())
with open("boto3_post.json", "w") as f:
    json.dump(cases, f, indent=2)
    f.write("\n")
