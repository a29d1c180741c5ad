"""Emit SigV2 requests signed by botocore itself, as JSON, for sigv2 tests.

Query auth comes from a real S3 client's generate_presigned_url with
signature_version 's3' (what AWS CLI v1 does against a custom endpoint);
header auth from botocore's HmacV1Auth on an AWSRequest.
"""
import json
import sys
from urllib.parse import urlsplit

import botocore.session
from botocore.auth import HmacV1Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
out = []


def client(addressing, token=None, endpoint="http://127.0.0.1:9000"):
    # endpoint=None means AWS itself (no request is sent; presigning is local).
    s = botocore.session.get_session()
    return s.create_client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key=SECRET,
        aws_session_token=token,
        region_name="us-east-1",
        config=Config(signature_version="s3", s3={"addressing_style": addressing}),
    )


def presign(name, c, op, params, vbucket="", headers=None, method="GET"):
    url = c.generate_presigned_url(op, Params=params, ExpiresIn=3600)
    # botocore falls back to path style for some endpoints; the bucket is
    # only virtual when the host actually carries it.
    if vbucket and not urlsplit(url).hostname.startswith(vbucket + "."):
        vbucket = ""
    out.append({"name": name, "kind": "query", "method": method, "url": url,
                "headers": headers or {}, "vbucket": vbucket})


path = client("path")
presign("get", path, "get_object", {"Bucket": "b", "Key": "k"})
presign("get nested key", path, "get_object", {"Bucket": "b", "Key": "dir/sub dir/ü+x=y&z.txt"})
presign("get with overrides", path, "get_object", {
    "Bucket": "b", "Key": "k",
    "ResponseContentDisposition": 'attachment; filename="a b.txt"',
    "ResponseContentType": "text/plain; charset=utf-8",
    "ResponseCacheControl": "no-cache",
})
presign("get version", path, "get_object", {"Bucket": "b", "Key": "k", "VersionId": "3/L4kqtJl40Nr8X8gdRQBpUMLUo"})
presign("get acl", path, "get_object_acl", {"Bucket": "b", "Key": "k"})
presign("list", path, "list_objects", {"Bucket": "b", "Prefix": "p/", "MaxKeys": 10})
presign("head", path, "head_object", {"Bucket": "b", "Key": "k"}, method="HEAD")
presign("put", path, "put_object", {"Bucket": "b", "Key": "up.bin"}, method="PUT")
presign("put with content-type", path, "put_object", {"Bucket": "b", "Key": "up.txt", "ContentType": "text/plain"},
        headers={"Content-Type": "text/plain"}, method="PUT")
presign("upload part", path, "upload_part", {"Bucket": "b", "Key": "k", "UploadId": "abc/def+g", "PartNumber": 3}, method="PUT")
presign("session token", client("path", token="FQoGZXIvYXdzEJr//////////wEaDPaSESSIONTOKEN+/="), "get_object", {"Bucket": "b", "Key": "k"})
presign("virtual requested, custom endpoint", client("virtual", endpoint="http://s3.example.com:9000"), "get_object",
        {"Bucket": "vb", "Key": "photos/puppy.jpg"}, vbucket="vb")
presign("virtual requested, custom endpoint, acl", client("virtual", endpoint="http://s3.example.com:9000"), "get_bucket_acl",
        {"Bucket": "vb"}, vbucket="vb")
presign("virtual requested, aws endpoint", client("virtual", endpoint=None), "get_object",
        {"Bucket": "vb", "Key": "photos/puppy.jpg", "ResponseContentType": "image/jpeg"}, vbucket="vb")

creds = Credentials("AKIDEXAMPLE", SECRET)


def header(name, method, url, headers, vbucket="", auth_path=None, data=None):
    req = AWSRequest(method=method, url=url, headers=headers, data=data)
    if auth_path is not None:
        req.auth_path = auth_path
    HmacV1Auth(creds).add_auth(req)
    out.append({"name": name, "kind": "header", "method": method, "url": req.url,
                "headers": {k: v for k, v in req.headers.items()}, "vbucket": vbucket})


header("header get", "GET", "http://127.0.0.1:9000/b/k", {})
header("header put", "PUT", "http://127.0.0.1:9000/b/dir/a%20b.txt", {
    "Content-Type": "text/plain", "Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg==",
    "x-amz-meta-Owner": "  alice ", "X-Amz-Acl": "private", "x-amz-storage-class": "STANDARD",
}, data=b"")
header("header uploads", "POST", "http://127.0.0.1:9000/b/k?uploads", {})
header("header delete", "POST", "http://127.0.0.1:9000/b?delete", {"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="})
header("header list params", "GET", "http://127.0.0.1:9000/b?prefix=a&max-keys=3&versioning", {})
header("header with x-amz-date", "GET", "http://127.0.0.1:9000/b/k", {"x-amz-date": "Tue, 27 Mar 2007 21:20:26 +0000"})
header("header virtual", "GET", "http://vb.s3.example.com/photos/puppy.jpg?acl", {}, vbucket="vb",
       auth_path="/vb/photos/puppy.jpg")
header("header token", "GET", "http://127.0.0.1:9000/b/k", {"x-amz-security-token": "TOKEN+/="})

json.dump(out, sys.stdout, indent=1)
