package adminclient

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// ManagedPolicy is a managed policy as IAM lists it.
type ManagedPolicy struct {
	PolicyName       string    `json:"policy_name"`
	PolicyARN        string    `json:"policy_arn"`
	Path             string    `json:"path"`
	AttachmentCount  int       `json:"attachment_count"`
	DefaultVersionID string    `json:"default_version_id"`
	Created          time.Time `json:"created"`
}

// ListPolicies returns the managed policies IAM lists for the account:
// the account's own and the AWS managed ones, in IAM's order. Never nil.
func (c *IAM) ListPolicies(ctx context.Context) ([]ManagedPolicy, error) {
	out := []ManagedPolicy{}
	p := iam.NewListPoliciesPaginator(c.api, &iam.ListPoliciesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, wrap("ListPolicies", err)
		}
		for _, m := range page.Policies {
			out = append(out, ManagedPolicy{
				PolicyName: aws.ToString(m.PolicyName), PolicyARN: aws.ToString(m.Arn), Path: aws.ToString(m.Path),
				AttachmentCount: int(aws.ToInt32(m.AttachmentCount)), DefaultVersionID: aws.ToString(m.DefaultVersionId),
				Created: aws.ToTime(m.CreateDate),
			})
		}
	}
	return out, nil
}

// CreatePolicy creates a customer managed policy from its JSON document.
// A document IAM cannot accept fails with its MalformedPolicyDocument,
// whose message says what is wrong.
func (c *IAM) CreatePolicy(ctx context.Context, name, document string) (*ManagedPolicy, error) {
	out, err := c.api.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: &name, PolicyDocument: &document})
	if err != nil {
		return nil, wrap("CreatePolicy", err)
	}
	m := out.Policy
	return &ManagedPolicy{
		PolicyName: aws.ToString(m.PolicyName), PolicyARN: aws.ToString(m.Arn), Path: aws.ToString(m.Path),
		AttachmentCount: int(aws.ToInt32(m.AttachmentCount)), DefaultVersionID: aws.ToString(m.DefaultVersionId),
		Created: aws.ToTime(m.CreateDate),
	}, nil
}
