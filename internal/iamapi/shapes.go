package iamapi

import (
	"strings"
	"time"

	"signet/internal/iam"
	"signet/internal/meta"
)

// Result shapes, member for member as in the IAM API reference (botocore
// iam/2010-05-08). Lists are <member> elements; element order is AWS's.

// isoTime is IAM's dateType on the wire: ISO 8601, UTC, whole seconds.
type isoTime time.Time

func (t isoTime) MarshalText() ([]byte, error) {
	return []byte(time.Time(t).UTC().Format("2006-01-02T15:04:05Z")), nil
}

// policyDoc is policyDocumentType on the wire: IAM sends policy documents
// URL-encoded (botocore's IAM customisation URL-decodes them with
// urllib's unquote, then parses the JSON).
type policyDoc string

func (d policyDoc) MarshalText() ([]byte, error) { return []byte(encodeDoc(string(d))), nil }

// encodeDoc percent-encodes every byte but RFC 3986's unreserved
// characters, so that both unquote (which leaves '+' alone) and
// form-style decoders (which turn '+' into a space) read the document
// back unchanged.
func encodeDoc(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) * 2)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

type userXML struct {
	// Path and UserName are absent for the root user, as IAM sends it.
	Path       string `xml:",omitempty"`
	UserName   string `xml:",omitempty"`
	UserId     string
	Arn        string
	CreateDate isoTime
}

func (h *handler) user(u meta.User) userXML {
	return userXML{Path: u.Path, UserName: u.Name, UserId: u.ID, Arn: h.iam.UserARN(u), CreateDate: isoTime(u.Created)}
}

type userResult struct {
	User userXML
}

type accessKeyXML struct {
	UserName        string
	AccessKeyId     string
	Status          string
	SecretAccessKey string
	CreateDate      isoTime
}

type createAccessKeyResult struct {
	AccessKey accessKeyXML
}

type accessKeyMetaXML struct {
	UserName    string
	AccessKeyId string
	Status      string
	CreateDate  isoTime
}

type roleXML struct {
	Path                     string
	RoleName                 string
	RoleId                   string
	Arn                      string
	CreateDate               isoTime
	AssumeRolePolicyDocument policyDoc `xml:",omitempty"`
	Description              string    `xml:",omitempty"`
	MaxSessionDuration       int       `xml:",omitempty"`
}

func (h *handler) role(r meta.Role) roleXML {
	return roleXML{
		Path: r.Path, RoleName: r.Name, RoleId: r.ID, Arn: h.iam.RoleARN(r), CreateDate: isoTime(r.Created),
		AssumeRolePolicyDocument: policyDoc(r.TrustPolicy), Description: r.Description, MaxSessionDuration: r.MaxSessionDuration,
	}
}

type roleResult struct {
	Role roleXML
}

// emptyResult writes an empty <ActionResult/>, as IAM does for UpdateRole.
type emptyResult struct{}

type userPolicyResult struct {
	UserName       string
	PolicyName     string
	PolicyDocument policyDoc
}

type rolePolicyResult struct {
	RoleName       string
	PolicyName     string
	PolicyDocument policyDoc
}

type policyXML struct {
	PolicyName                    string
	PolicyId                      string
	Arn                           string
	Path                          string
	DefaultVersionId              string
	AttachmentCount               int
	PermissionsBoundaryUsageCount int
	IsAttachable                  bool
	Description                   string `xml:",omitempty"`
	CreateDate                    isoTime
	UpdateDate                    isoTime
}

// policy shapes a managed policy; withDescription is set for GetPolicy
// only, as IAM leaves the description out of CreatePolicy and
// ListPolicies.
func policy(p iam.ManagedPolicy, withDescription bool) policyXML {
	x := policyXML{
		PolicyName: p.Name, PolicyId: p.ID, Arn: p.ARN, Path: p.Path, DefaultVersionId: p.DefaultVersionID,
		AttachmentCount: p.AttachmentCount, IsAttachable: true,
		CreateDate: isoTime(p.Created), UpdateDate: isoTime(p.Updated),
	}
	if withDescription {
		x.Description = p.Description
	}
	return x
}

type policyResult struct {
	Policy policyXML
}

type policyVersionXML struct {
	Document         policyDoc
	VersionId        string
	IsDefaultVersion bool
	CreateDate       isoTime
}

type policyVersionResult struct {
	PolicyVersion policyVersionXML
}

type attachedPolicyXML struct {
	PolicyName string
	PolicyArn  string
}
