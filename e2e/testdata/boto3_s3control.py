"""The account-level Block Public Access through boto3's s3control client,
and its effect on a bucket through the s3 client.

Usage: boto3_s3control.py ENDPOINT BUCKET
Root credentials come from the environment; testdata/s3control must be on
PYTHONPATH (its sitecustomize resolves ACCOUNT.127.0.0.1). Each check
records True or False under its name; prints one JSON line:
{"checks": {...}, "hosts": [...]} and, if the flow stopped, "error" and
"traceback".
"""
import json
import sys
import traceback

import boto3
from botocore.exceptions import ClientError

endpoint, bucket = sys.argv[1], sys.argv[2]
out = {"checks": {}, "hosts": []}


def check(name, ok):
    out["checks"][name] = bool(ok)


def error_of(call, **kw):
    """The (code, message) a call fails with, or None if it succeeds."""
    try:
        call(**kw)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"].get("Message")
    return None


def record_host(request, **kw):
    out["hosts"].append(request.url.split("/")[2])


try:
    account = boto3.client("sts", endpoint_url=endpoint).get_caller_identity()["Account"]
    ctl = boto3.client("s3control", endpoint_url=endpoint)
    ctl.meta.events.register("before-send", record_host)
    s3 = boto3.client("s3", endpoint_url=endpoint)
    missing = ("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found")

    check("get_none", error_of(ctl.get_public_access_block, AccountId=account) == missing)
    ctl.put_public_access_block(AccountId=account, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True, "RestrictPublicBuckets": False})
    got = ctl.get_public_access_block(AccountId=account)["PublicAccessBlockConfiguration"]
    check("put_get", got == {"BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True, "RestrictPublicBuckets": False})
    check("host_prefix", out["hosts"] and all(h.startswith(account + ".127.0.0.1:") for h in out["hosts"]))

    s3.create_bucket(Bucket=bucket, ObjectOwnership="ObjectWriter")
    s3.delete_public_access_block(Bucket=bucket)
    check("block_public_acls", error_of(s3.put_bucket_acl, Bucket=bucket, ACL="public-read") == ("AccessDenied", "Access Denied"))
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::%s/*" % bucket}]})
    check("block_public_policy", error_of(s3.put_bucket_policy, Bucket=bucket, Policy=policy) == ("AccessDenied", "Access Denied"))
    check("other_account", error_of(ctl.get_public_access_block, AccountId="999999999999") == ("AccessDenied", "Access Denied"))

    ctl.delete_public_access_block(AccountId=account)
    check("deleted", error_of(ctl.get_public_access_block, AccountId=account) == missing)
    check("acl_after_delete", error_of(s3.put_bucket_acl, Bucket=bucket, ACL="public-read") is None)
except Exception as e:  # reported, not raised: the test prints it
    out["error"] = repr(e)
    out["traceback"] = traceback.format_exc()
print(json.dumps(out))
