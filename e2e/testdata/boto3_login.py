"""boto3 against signet's login profiles and account password policy.

Usage: boto3_login.py ENDPOINT
Root credentials come from the environment. Prints one JSON line.
"""
import json
import sys
import traceback

import boto3
import botocore
from botocore.config import Config

endpoint = sys.argv[1]
out = {}


def client(creds=None):
    kw = {}
    if creds:
        kw = dict(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"])
    cfg = Config(retries={"max_attempts": 1}, parameter_validation=False)
    return boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", config=cfg, **kw)


def error_of(fn):
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        return {"code": e.response["Error"]["Code"], "message": e.response["Error"].get("Message", ""),
                "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    return None


try:
    iam = client()
    iam.create_user(UserName="carol")
    out["no_policy"] = error_of(lambda: iam.get_account_password_policy())
    lp = iam.create_login_profile(UserName="carol", Password="Boto!pass123", PasswordResetRequired=True)["LoginProfile"]
    # botocore parses CreateDate as a datetime: the wire format is IAM's.
    out["created_is_datetime"] = hasattr(lp["CreateDate"], "year")
    out["created_reset"] = lp["PasswordResetRequired"]
    out["get_user_name"] = iam.get_login_profile(UserName="carol")["LoginProfile"]["UserName"]
    out["too_long"] = error_of(lambda: iam.update_login_profile(UserName="carol", Password="Aa1!" * 33))
    iam.update_account_password_policy(MinimumPasswordLength=14, RequireUppercaseCharacters=True,
                                       AllowUsersToChangePassword=True, HardExpiry=True, MaxPasswordAge=30)
    out["policy"] = iam.get_account_password_policy()["PasswordPolicy"]
    out["no_upper"] = error_of(lambda: iam.update_login_profile(UserName="carol", Password="boto!pass12345"))
    iam.update_login_profile(UserName="carol", Password="Boto!pass12345")

    key = iam.create_access_key(UserName="carol")["AccessKey"]
    out["carol_secret"] = key["SecretAccessKey"]
    carol = client(key)
    carol.change_password(OldPassword="Boto!pass12345", NewPassword="Boto!changed123")
    out["after_change_reset"] = iam.get_login_profile(UserName="carol")["LoginProfile"]["PasswordResetRequired"]
    out["root_change"] = error_of(lambda: iam.change_password(OldPassword="x", NewPassword="y"))
    iam.delete_access_key(UserName="carol", AccessKeyId=key["AccessKeyId"])
    iam.delete_login_profile(UserName="carol")
    out["gone"] = error_of(lambda: iam.get_login_profile(UserName="carol"))
    iam.delete_account_password_policy()
    iam.delete_user(UserName="carol")
except Exception as e:  # report, don't crash: the Go test prints it
    out["error"] = repr(e)
    out["traceback"] = traceback.format_exc()
print(json.dumps(out, default=str))
