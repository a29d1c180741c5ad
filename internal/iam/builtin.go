package iam

import (
	"strings"
	"time"
)

// builtin is an AWS managed policy that signet knows by its real ARN, so
// that scripts written for AWS (attach-user-policy --policy-arn
// arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess) work unchanged. IDs,
// versions, dates and documents are AWS's, as GetPolicy and
// GetPolicyVersion show them (AWS managed policy reference).
type builtin struct {
	Name        string
	ID          string
	Description string
	Version     string // the default version's ID
	Created     time.Time
	Updated     time.Time // creation of the default version
	Document    string
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Documents are kept in AWS's own layout, so GetPolicyVersion gives back
// what AWS gives.
var builtins = []builtin{
	{
		Name:        "AdministratorAccess",
		ID:          "ANPAIWMBCKSKIEE64ZLYK",
		Description: "Provides full access to AWS services and resources.",
		Version:     "v1",
		Created:     utc("2015-02-06T18:39:46Z"),
		Updated:     utc("2015-02-06T18:39:46Z"),
		Document: `{
  "Version" : "2012-10-17",
  "Statement" : [
    {
      "Effect" : "Allow",
      "Action" : "*",
      "Resource" : "*"
    }
  ]
}`,
	},
	{
		Name:        "AmazonS3FullAccess",
		ID:          "ANPAIFIR6V6BVTRAHWINE",
		Description: "Provides full access to all buckets via the AWS Management Console.",
		Version:     "v2",
		Created:     utc("2015-02-06T18:40:58Z"),
		Updated:     utc("2021-09-27T20:16:37Z"),
		Document: `{
  "Version" : "2012-10-17",
  "Statement" : [
    {
      "Effect" : "Allow",
      "Action" : [
        "s3:*",
        "s3-object-lambda:*"
      ],
      "Resource" : "*"
    }
  ]
}`,
	},
	{
		Name:        "AmazonS3ReadOnlyAccess",
		ID:          "ANPAIZTJ4DXE7G6AGAE6M",
		Description: "Provides read only access to all buckets via the AWS Management Console.",
		Version:     "v3",
		Created:     utc("2015-02-06T18:40:59Z"),
		Updated:     utc("2023-08-10T21:31:39Z"),
		Document: `{
  "Version" : "2012-10-17",
  "Statement" : [
    {
      "Effect" : "Allow",
      "Action" : [
        "s3:Get*",
        "s3:List*",
        "s3:Describe*",
        "s3-object-lambda:Get*",
        "s3-object-lambda:List*"
      ],
      "Resource" : "*"
    }
  ]
}`,
	},
	{
		Name:        "IAMFullAccess",
		ID:          "ANPAI7XKCFMBPM3QQRRVQ",
		Description: "Provides full access to IAM via the AWS Management Console.",
		Version:     "v2",
		// The reference gives the creation minute (18:40 UTC) only.
		Created: utc("2015-02-06T18:40:38Z"),
		Updated: utc("2019-06-21T19:40:00Z"),
		Document: `{
  "Version" : "2012-10-17",
  "Statement" : [
    {
      "Effect" : "Allow",
      "Action" : [
        "iam:*",
        "organizations:DescribeAccount",
        "organizations:DescribeOrganization",
        "organizations:DescribeOrganizationalUnit",
        "organizations:DescribePolicy",
        "organizations:ListChildren",
        "organizations:ListParents",
        "organizations:ListPoliciesForTarget",
        "organizations:ListRoots",
        "organizations:ListPolicies",
        "organizations:ListTargetsForPolicy"
      ],
      "Resource" : "*"
    }
  ]
}`,
	},
	{
		Name:        "IAMReadOnlyAccess",
		ID:          "ANPAJKSO7NDY4T57MWDSQ",
		Description: "Provides read only access to IAM via the AWS Management Console.",
		Version:     "v4",
		Created:     utc("2015-02-06T18:40:39Z"),
		Updated:     utc("2018-01-25T19:11:27Z"),
		Document: `{
  "Version" : "2012-10-17",
  "Statement" : [
    {
      "Effect" : "Allow",
      "Action" : [
        "iam:GenerateCredentialReport",
        "iam:GenerateServiceLastAccessedDetails",
        "iam:Get*",
        "iam:List*",
        "iam:SimulateCustomPolicy",
        "iam:SimulatePrincipalPolicy"
      ],
      "Resource" : "*"
    }
  ]
}`,
	},
}

// AWSPolicyARN is the ARN of the AWS managed policy called name.
func AWSPolicyARN(name string) string { return "arn:aws:iam::aws:policy/" + name }

// lookupBuiltin finds an AWS managed policy by ARN. AWS ARNs are matched
// exactly: unlike entity names, ARNs are case-sensitive.
func lookupBuiltin(arn string) (builtin, bool) {
	name, ok := strings.CutPrefix(arn, "arn:aws:iam::aws:policy/")
	if !ok {
		return builtin{}, false
	}
	for _, b := range builtins {
		if b.Name == name {
			return b, true
		}
	}
	return builtin{}, false
}
