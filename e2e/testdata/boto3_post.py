"""boto3's generate_presigned_post against signet: prints one JSON object
with the forms it made (url and fields), for the Go test to post.

usage: boto3_post.py ENDPOINT BUCKET ACCESS_KEY SECRET_KEY [SESSION_TOKEN]
"""
import json
import sys

import boto3
from botocore.config import Config

endpoint, bucket, ak, sk = sys.argv[1:5]
token = sys.argv[5] if len(sys.argv) > 5 else None
s3 = boto3.client(
    "s3",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id=ak,
    aws_secret_access_key=sk,
    aws_session_token=token,
    config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
)
out = {
    "plain": s3.generate_presigned_post(bucket, "boto3/plain.txt"),
    "conditions": s3.generate_presigned_post(
        bucket,
        "boto3/${filename}",
        Fields={"Content-Type": "text/plain", "success_action_status": "201"},
        Conditions=[
            ["content-length-range", 1, 1024],
            ["starts-with", "$Content-Type", "text/"],
            {"success_action_status": "201"},
        ],
        ExpiresIn=7200,
    ),
}
print(json.dumps(out))
