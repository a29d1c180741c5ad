package presign

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// lateClients carries what the SDK's credential providers need but what is
// known only once the configuration has loaded: the providers are built
// during config.LoadDefaultConfig, before the endpoint is resolved, and call
// out only later, from Retrieve. arm must be called in between.
type lateClients struct {
	mu          sync.Mutex
	armed       bool
	sts         string // where roles are assumed; "" leaves the SDK's choice
	cfg         aws.Config
	imds        *imds.Client
	imdsRole    string
	imdsExpires map[string]time.Time // access key ID -> Expiration as served
}

func (l *lateClients) arm(cfg aws.Config, stsEndpoint string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.armed, l.cfg, l.sts = true, cfg, stsEndpoint
}

var errNotArmed = errors.New("presign: credentials retrieved before the configuration was loaded")

func (l *lateClients) stsEndpoint() (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.armed {
		return "", errNotArmed
	}
	return l.sts, nil
}

func (l *lateClients) imdsClient() (*imds.Client, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.armed {
		return nil, errNotArmed
	}
	if l.imds == nil {
		// As the SDK builds it: AWS_EC2_METADATA_DISABLED,
		// AWS_EC2_METADATA_SERVICE_ENDPOINT and the profile's settings apply.
		l.imds = imds.NewFromConfig(l.cfg)
	}
	return l.imds, nil
}

func (l *lateClients) recordIMDS(role, accessKeyID string, expires time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.imdsExpires == nil {
		l.imdsExpires = map[string]time.Time{}
	}
	l.imdsRole = role
	l.imdsExpires[accessKeyID] = expires
}

func (l *lateClients) imdsExpiry(accessKeyID string) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.imdsExpires[accessKeyID]
	return t, ok && !t.IsZero()
}

func (l *lateClients) imdsRoleName() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.imdsRole
}

// stsAtEndpoint sends AssumeRole to the endpoint the URL is for. The SDK
// builds the STS client of a role profile before it resolves the general
// endpoint (AWS_ENDPOINT_URL, a profile's endpoint_url), so without this the
// role would be assumed at AWS even when the profile points at signet.
type stsAtEndpoint struct {
	next stscreds.AssumeRoleAPIClient
	// endpoint names, when the call is made, where it goes ("" leaves
	// the SDK's choice).
	endpoint func() (string, error)
}

// AssumeRoleAt sends the AssumeRole calls of o's provider to the endpoint
// that endpoint names when each call is made ("" leaves the SDK's choice):
// for config.WithAssumeRoleCredentialOptions, when the endpoint is known
// only once the configuration has loaded (see STSEndpoint).
func AssumeRoleAt(o *stscreds.AssumeRoleOptions, endpoint func() (string, error)) {
	o.Client = &stsAtEndpoint{next: o.Client, endpoint: endpoint}
}

func (c *stsAtEndpoint) AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	endpoint, err := c.endpoint()
	if err != nil {
		return nil, err
	}
	if endpoint != "" {
		optFns = append(optFns[:len(optFns):len(optFns)], func(o *sts.Options) { o.BaseEndpoint = aws.String(endpoint) })
	}
	return c.next.AssumeRole(ctx, in, optFns...)
}

// imdsCredentialsPath is where instance metadata serves role credentials,
// as ec2rolecreds asks for them (the role list, then one role's document).
const imdsCredentialsPath = "/iam/security-credentials/"

// imdsRecorder passes instance-metadata calls through and notes the
// Expiration of the credentials document, which ec2rolecreds reports capped
// to an hour from now (when it would refresh, not when they die).
type imdsRecorder struct{ late *lateClients }

func (r *imdsRecorder) GetMetadata(ctx context.Context, in *imds.GetMetadataInput, optFns ...func(*imds.Options)) (*imds.GetMetadataOutput, error) {
	c, err := r.late.imdsClient()
	if err != nil {
		return nil, err
	}
	out, err := c.GetMetadata(ctx, in, optFns...)
	role, isDoc := strings.CutPrefix(in.Path, imdsCredentialsPath)
	if err != nil || !isDoc || role == "" {
		return out, err
	}
	body, err := io.ReadAll(out.Content)
	out.Content.Close()
	if err != nil {
		return nil, err
	}
	var doc struct {
		AccessKeyID string `json:"AccessKeyId"`
		Expiration  time.Time
	}
	if json.Unmarshal(body, &doc) == nil && doc.AccessKeyID != "" {
		r.late.recordIMDS(role, doc.AccessKeyID, doc.Expiration)
	}
	out.Content = io.NopCloser(bytes.NewReader(body))
	return out, nil
}
