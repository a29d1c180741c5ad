"""boto3 against signet's IAM, STS and S3 on one endpoint.

Usage: boto3_identity.py ENDPOINT BUCKET
Root credentials come from the environment. Prints one JSON line.
"""
import json
import sys
import traceback
import urllib.error
import urllib.request

import boto3
import botocore
from botocore.config import Config

endpoint, bucket = sys.argv[1], sys.argv[2]
out = {}


def client(service, creds=None):
    kw = {}
    if creds:
        kw = dict(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                  aws_session_token=creds.get("SessionToken"))
    # Client-side validation off, so out-of-range values reach the server
    # and its own ValidationError is what is tested.
    cfg = Config(retries={"max_attempts": 1}, parameter_validation=False)
    if service == "s3":
        cfg = cfg.merge(Config(signature_version="s3v4"))
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", config=cfg, **kw)


def fetch(url):
    try:
        with urllib.request.urlopen(url) as r:
            return {"status": r.status, "body": r.read().decode("latin-1")}
    except urllib.error.HTTPError as e:
        return {"status": e.code, "body": e.read().decode("latin-1")}


def error_of(fn):
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        return {"code": e.response["Error"]["Code"], "message": e.response["Error"].get("Message", ""),
                "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    return None


try:
    iam, s3 = client("iam"), client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"signet")
    user = iam.create_user(UserName="bob")["User"]
    out["user_arn"] = user["Arn"]
    key = iam.create_access_key(UserName="bob")["AccessKey"]
    bob = {"AccessKeyId": key["AccessKeyId"], "SecretAccessKey": key["SecretAccessKey"]}
    out["bob_key"] = key["AccessKeyId"]
    out["bob_secret"] = key["SecretAccessKey"]
    read = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
         "Resource": ["arn:aws:s3:::%s" % bucket, "arn:aws:s3:::%s/*" % bucket]}]})
    iam.put_user_policy(UserName="bob", PolicyName="read", PolicyDocument=read)
    pol = iam.create_policy(PolicyName="sts-use", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:GetFederationToken"], "Resource": "*"}]}))["Policy"]
    iam.attach_user_policy(UserName="bob", PolicyArn=pol["Arn"])
    out["attached"] = [p["PolicyArn"] for p in iam.list_attached_user_policies(UserName="bob")["AttachedPolicies"]]
    out["inline"] = iam.list_user_policies(UserName="bob")["PolicyNames"]
    got = iam.get_user_policy(UserName="bob", PolicyName="read")["PolicyDocument"]
    out["inline_doc_roundtrip"] = got == json.loads(read)
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": user["Arn"]}, "Action": "sts:AssumeRole"}]})
    role = iam.create_role(RoleName="boto-reader", AssumeRolePolicyDocument=trust, MaxSessionDuration=43200)["Role"]
    iam.put_role_policy(RoleName="boto-reader", PolicyName="read", PolicyDocument=read)
    out["role_max"] = iam.get_role(RoleName="boto-reader")["Role"]["MaxSessionDuration"]
    out["bad_max"] = error_of(lambda: iam.create_role(RoleName="too-long", AssumeRolePolicyDocument=trust, MaxSessionDuration=43201))

    sts = client("sts", bob)
    out["bob_identity"] = sts.get_caller_identity()["Arn"]
    st = sts.get_session_token()["Credentials"]
    out["session_token_key"] = st["AccessKeyId"]
    out["session_token_expiration"] = st["Expiration"].isoformat()
    short = iam.create_role(RoleName="boto-short", AssumeRolePolicyDocument=trust)["Role"]
    out["short_max"] = short["MaxSessionDuration"]
    out["over_role_max"] = error_of(lambda: sts.assume_role(RoleArn=short["Arn"], RoleSessionName="xx", DurationSeconds=7200))
    out["too_long"] = error_of(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="xx", DurationSeconds=43201))
    out["too_short"] = error_of(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="xx", DurationSeconds=899))
    ar = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="boto", DurationSeconds=43200)
    rc = ar["Credentials"]
    out["role_key"] = rc["AccessKeyId"]
    out["role_token"] = rc["SessionToken"]
    out["role_secret"] = rc["SecretAccessKey"]
    out["role_expiration"] = rc["Expiration"].isoformat()
    out["role_identity"] = client("sts", rc).get_caller_identity()["Arn"]
    out["assumed_arn"] = ar["AssumedRoleUser"]["Arn"]
    role_s3 = client("s3", rc)
    out["role_url"] = role_s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=604800)
    out["role_get"] = fetch(out["role_url"])["status"]

    fed = sts.get_federation_token(Name="fed", Policy=read)
    fc = fed["Credentials"]
    out["fed_arn"] = fed["FederatedUser"]["Arn"]
    out["fed_token"] = fc["SessionToken"]
    out["fed_secret"] = fc["SecretAccessKey"]
    out["fed_url"] = client("s3", fc).generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=604800)
    out["fed_get"] = fetch(out["fed_url"])["status"]
    bare = sts.get_federation_token(Name="bare")["Credentials"]
    out["bare_secret"] = bare["SecretAccessKey"]
    out["bare_token"] = bare["SessionToken"]
    out["bare_get"] = error_of(lambda: client("s3", bare).get_object(Bucket=bucket, Key="k"))

    iam.create_access_key(UserName="bob")
    out["third_key"] = error_of(lambda: iam.create_access_key(UserName="bob"))
    out["missing_user"] = error_of(lambda: iam.get_user(UserName="nobody"))
    out["anon_get"] = fetch("%s/%s/k" % (endpoint, bucket))["status"]
except Exception as e:  # report, don't crash: the Go test prints it
    out["error"] = repr(e)
    out["traceback"] = traceback.format_exc()
print(json.dumps(out))
