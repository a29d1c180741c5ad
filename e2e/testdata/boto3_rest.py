"""Tags, ACLs, object attributes, bucket pages, parts and a repeated
completion, driven by boto3.

Usage: boto3_rest.py ENDPOINT BUCKET
Root credentials come from the environment. Each check records True or
False under its name; prints one JSON line: {"checks": {...}} and, if the
flow stopped, "error" and "traceback".
"""
import json
import sys
import traceback
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, bucket = sys.argv[1], sys.argv[2]
out = {"checks": {}}


def check(name, ok):
    out["checks"][name] = bool(ok)


def code_of(call, **kw):
    """The S3 error code a call fails with, or None if it succeeds."""
    try:
        call(**kw)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


def anonymous_status(url):
    try:
        with urllib.request.urlopen(url) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


try:
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                                    retries={"max_attempts": 1}))
    s3.create_bucket(Bucket=bucket)

    # Tags.
    s3.put_object(Bucket=bucket, Key="tagged", Body=b"t", Tagging="team=blue&stage=raw")
    got = s3.get_object_tagging(Bucket=bucket, Key="tagged")["TagSet"]
    count = s3.get_object(Bucket=bucket, Key="tagged").get("TagCount")
    s3.put_object_tagging(Bucket=bucket, Key="tagged", Tagging={"TagSet": [{"Key": "p", "Value": "x"}]})
    replaced = s3.get_object_tagging(Bucket=bucket, Key="tagged")["TagSet"]
    s3.delete_object_tagging(Bucket=bucket, Key="tagged")
    check("object_tags", sorted((t["Key"], t["Value"]) for t in got) == [("stage", "raw"), ("team", "blue")]
          and replaced == [{"Key": "p", "Value": "x"}]
          and s3.get_object_tagging(Bucket=bucket, Key="tagged")["TagSet"] == []
          and count == 2)
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "env", "Value": "prod"}]})
    bt = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    s3.delete_bucket_tagging(Bucket=bucket)
    check("bucket_tags", bt == [{"Key": "env", "Value": "prod"}]
          and code_of(s3.get_bucket_tagging, Bucket=bucket) == "NoSuchTagSet")
    check("invalid_tag", code_of(s3.put_object_tagging, Bucket=bucket, Key="tagged",
                                 Tagging={"TagSet": [{"Key": "aws:x", "Value": "1"}]}) == "InvalidTag")

    # Object Ownership, ACLs and Block Public Access.
    own = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    check("ownership_default", own == [{"ObjectOwnership": "BucketOwnerEnforced"}])
    check("acl_refused_when_enforced", code_of(s3.put_object, Bucket=bucket, Key="public", Body=b"p",
                                               ACL="public-read") == "AccessControlListNotSupported")
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    s3.put_object(Bucket=bucket, Key="public", Body=b"readable")
    pab = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    blocked = code_of(s3.put_object_acl, Bucket=bucket, Key="public", ACL="public-read")
    s3.delete_public_access_block(Bucket=bucket)
    check("public_access_block", all(pab.values()) and len(pab) == 4 and blocked == "AccessDenied"
          and code_of(s3.get_public_access_block, Bucket=bucket) == "NoSuchPublicAccessBlockConfiguration")
    url = endpoint + "/" + bucket + "/public"
    private_status = anonymous_status(url)
    s3.put_object_acl(Bucket=bucket, Key="public", ACL="public-read")
    grants = s3.get_object_acl(Bucket=bucket, Key="public")["Grants"]
    check("object_acl_public_read", any(g["Grantee"].get("URI") == "http://acs.amazonaws.com/groups/global/AllUsers"
                                        and g["Permission"] == "READ" for g in grants))
    check("anonymous_read", private_status == 403 and anonymous_status(url) == 200)

    # Versioning, a repeated completion, parts and attributes.
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp")
    parts = [b"a" * (5 << 20), b"the last part"]
    done = []
    for n, body in enumerate(parts, 1):
        r = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up["UploadId"], PartNumber=n, Body=body)
        done.append({"PartNumber": n, "ETag": r["ETag"]})
    first = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=up["UploadId"], MultipartUpload={"Parts": done})
    again = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=up["UploadId"], MultipartUpload={"Parts": done})
    check("complete_repeated", first.get("VersionId") not in (None, "", "null")
          and again.get("VersionId") == first["VersionId"] and again["ETag"] == first["ETag"])
    p2 = s3.get_object(Bucket=bucket, Key="mp", PartNumber=2)
    check("part_number", p2["Body"].read() == parts[1] and p2["PartsCount"] == 2
          and p2["ContentRange"] == "bytes 5242880-5242892/5242893")
    a = s3.get_object_attributes(Bucket=bucket, Key="mp", ObjectAttributes=["ETag", "ObjectSize", "ObjectParts"])
    check("attributes", a["ObjectSize"] == 5242893 and a["ObjectParts"]["TotalPartsCount"] == 2
          and '"' + a["ETag"] + '"' == first["ETag"] and a["VersionId"] == first["VersionId"])
    s3.put_object(Bucket=bucket, Key="mp", Body=b"newer")
    old = s3.get_object_attributes(Bucket=bucket, Key="mp", VersionId=first["VersionId"], ObjectAttributes=["ObjectSize"])
    cur = s3.get_object_attributes(Bucket=bucket, Key="mp", ObjectAttributes=["ObjectSize"])
    check("attributes_version", old["ObjectSize"] == 5242893 and old["VersionId"] == first["VersionId"]
          and cur["ObjectSize"] == 5)

    # ListBuckets, a page at a time within a prefix.
    names = [bucket + "-lb-" + s for s in "abc"]
    for n in names:
        s3.create_bucket(Bucket=n)
    listed, pages = [], 0
    for page in s3.get_paginator("list_buckets").paginate(Prefix=bucket + "-lb-", PaginationConfig={"PageSize": 2}):
        pages += 1
        listed += [b["Name"] for b in page["Buckets"]]
    check("list_buckets_paged", listed == names and pages == 2)
except Exception as e:  # reported, not raised: the Go test prints it
    out["error"] = repr(e)
    out["traceback"] = traceback.format_exc()
print(json.dumps(out))
