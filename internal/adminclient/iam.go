package adminclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	smithyendpoints "github.com/aws/smithy-go/endpoints"

	"signet/internal/secret"
)

// IAM calls signet's IAM Query API — the one `aws iam` uses — through
// aws-sdk-go-v2's IAM client, and strings calls together into the steps a
// person means: a user with its keys and policies, a forced delete, a
// "revoke older sessions" policy. Unlike the admin API client above, it
// goes through the SDK: IAM is AWS's protocol, and talking it with AWS's
// own client keeps signet's server honest about it.
type IAM struct {
	api *iam.Client
}

// IAMConfig is where and how to call IAM.
type IAMConfig struct {
	// Endpoint is the server's base URL; IAM calls are POSTs to its path.
	// It has no default: without it every call fails, rather than go to
	// AWS's IAM endpoint, as the SDK would, signed with the caller's keys.
	Endpoint *url.URL
	// Region goes into the credential scope; DefaultRegion when empty.
	// signet, like AWS's global IAM endpoint, accepts any.
	Region      string
	Credentials aws.CredentialsProvider
	// HTTP sends the requests; http.DefaultClient when nil.
	HTTP *http.Client
	// Now is the signing time; the SDK's own (the real clock) when nil.
	// The server checks it against its real clock, so only tests whose
	// server runs on a fake clock set it.
	Now func() time.Time
}

// NewIAM returns an IAM client for cfg.
func NewIAM(cfg IAMConfig) *IAM {
	region := cfg.Region
	if region == "" {
		region = DefaultRegion
	}
	var hc iam.HTTPClient = http.DefaultClient
	if cfg.HTTP != nil {
		hc = cfg.HTTP
	}
	opts := iam.Options{
		Region:      region,
		Credentials: credentialsErrors{cfg.Credentials},
		HTTPClient:  hc,
		// No retries: a CreateAccessKey retried after a lost answer would
		// make a second key whose secret nobody ever sees, and signet is
		// one server, not a fleet whose throttling retries smooth over.
		Retryer: aws.NopRetryer{},
	}
	if cfg.Endpoint != nil {
		u := *cfg.Endpoint
		u.User = nil // the signature is the authentication
		opts.BaseEndpoint = aws.String(u.String())
	} else {
		opts.EndpointResolverV2 = noEndpoint{}
	}
	if cfg.Now != nil {
		opts.HTTPSignerV4 = fixedTimeSigner{v4.NewSigner(), cfg.Now}
	}
	return &IAM{api: iam.New(opts)}
}

// noEndpoint resolves no endpoint, so that a client built without one
// fails each call as Client does, before anything is signed or sent.
type noEndpoint struct{}

func (noEndpoint) ResolveEndpoint(context.Context, iam.EndpointParameters) (smithyendpoints.Endpoint, error) {
	return smithyendpoints.Endpoint{}, errors.New("adminclient: no endpoint")
}

// fixedTimeSigner signs at an injected time instead of the SDK's clock.
type fixedTimeSigner struct {
	s   *v4.Signer
	now func() time.Time
}

func (f fixedTimeSigner) SignHTTP(ctx context.Context, c aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time, optFns ...func(*v4.SignerOptions)) error {
	return f.s.SignHTTP(ctx, c, r, payloadHash, service, region, f.now().UTC(), optFns...)
}

// credentialsErrors marks a failure to find credentials as a
// *CredentialsError, so callers tell the user to configure them rather
// than blame the server.
type credentialsErrors struct{ p aws.CredentialsProvider }

func (c credentialsErrors) Retrieve(ctx context.Context) (aws.Credentials, error) {
	if c.p == nil {
		return aws.Credentials{}, &CredentialsError{Err: errors.New("no credentials provider")}
	}
	v, err := c.p.Retrieve(ctx)
	if err != nil {
		return v, &CredentialsError{Err: err}
	}
	return v, nil
}

// IAMError is an error the IAM API answered in its Query envelope. It
// unwraps to the *APIError with the code and message, so callers handle
// admin and IAM errors alike; its own type tells them it came from IAM.
type IAMError struct {
	Op  string // the IAM action, e.g. DeleteUser
	API *APIError
}

func (e *IAMError) Error() string { return e.API.Error() }
func (e *IAMError) Unwrap() error { return e.API }

// NotIAMError is a failure response that is not IAM's error envelope:
// a proxy's page, or an endpoint that is not a signet server.
type NotIAMError struct {
	Op          string
	Status      int
	ContentType string
}

func (e *NotIAMError) Error() string {
	s := fmt.Sprintf("IAM %s: HTTP %d %s", e.Op, e.Status, http.StatusText(e.Status))
	if e.ContentType != "" {
		s += " (" + e.ContentType + ")"
	}
	return s + "; not an IAM response"
}

// wrap turns the SDK's error chain into what a person can act on: the
// IAM error code and message, a missing-credentials error, or the
// transport's own error (connection refused, certificate…) without the
// SDK's layers around it.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var ce *CredentialsError
	if errors.As(err, &ce) {
		return ce
	}
	var re *awshttp.ResponseError
	hasResp := errors.As(err, &re)
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() != "" {
		e := &APIError{Code: ae.ErrorCode(), Message: ae.ErrorMessage()}
		if hasResp {
			e.Status, e.RequestID = re.HTTPStatusCode(), re.ServiceRequestID()
			if e.RequestID == "" && re.Response != nil {
				// The SDK looks for AWS's x-amzn-RequestId; signet, like
				// S3, answers X-Amz-Request-Id.
				e.RequestID = re.Response.Header.Get("X-Amz-Request-Id")
			}
		}
		return &IAMError{Op: op, API: e}
	}
	if hasResp && re.Response != nil && re.HTTPStatusCode() != 0 {
		return &NotIAMError{Op: op, Status: re.HTTPStatusCode(), ContentType: re.Response.Header.Get("Content-Type")}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue
	}
	return fmt.Errorf("IAM %s: %w", op, err)
}

// Owner kinds: who an inline policy or an attachment belongs to.
const (
	OwnerUser = "user"
	OwnerRole = "role"
)

// User is an IAM user.
type User struct {
	UserName string    `json:"user_name"`
	UserID   string    `json:"user_id"`
	ARN      string    `json:"arn"`
	Path     string    `json:"path"`
	Created  time.Time `json:"created"`
}

// AccessKey is an access key without its secret, as IAM lists it.
type AccessKey struct {
	AccessKeyID string `json:"access_key_id"`
	UserName    string `json:"user_name"`
	// Status is Active or Inactive, spelt as IAM spells it.
	Status  string    `json:"status"`
	Created time.Time `json:"created"`
}

// NewAccessKey is a key just created: the one time its secret leaves the
// server. The secret prints as [REDACTED] until revealed on purpose.
type NewAccessKey struct {
	AccessKey
	Secret secret.Secret `json:"-"`
}

// Access key statuses.
const (
	KeyActive   = string(types.StatusTypeActive)
	KeyInactive = string(types.StatusTypeInactive)
)

// Role is an IAM role.
type Role struct {
	RoleName    string `json:"role_name"`
	RoleID      string `json:"role_id"`
	ARN         string `json:"arn"`
	Path        string `json:"path"`
	Description string `json:"description"`
	// MaxSessionDurationSeconds bounds AssumeRole's DurationSeconds.
	MaxSessionDurationSeconds int       `json:"max_session_duration_seconds"`
	Created                   time.Time `json:"created"`
}

// MaxSessionDuration is MaxSessionDurationSeconds as a duration.
func (r *Role) MaxSessionDuration() time.Duration {
	return time.Duration(r.MaxSessionDurationSeconds) * time.Second
}

// AttachedPolicy is a managed policy attached to a user or role.
type AttachedPolicy struct {
	PolicyName string `json:"policy_name"`
	PolicyARN  string `json:"policy_arn"`
}

// InlinePolicy is a policy embedded in a user or role.
type InlinePolicy struct {
	PolicyName string `json:"policy_name"`
	// Document is the policy as JSON (IAM sends it URL-encoded; this is
	// it decoded).
	Document Document `json:"document"`
}

// UserDetails is a user with everything that hangs off it.
type UserDetails struct {
	User             User             `json:"user"`
	AccessKeys       []AccessKey      `json:"access_keys"`
	InlinePolicies   []InlinePolicy   `json:"inline_policies"`
	AttachedPolicies []AttachedPolicy `json:"attached_policies"`
}

// RoleDetails is a role with its trust and permission policies.
type RoleDetails struct {
	Role Role `json:"role"`
	// TrustedPrincipals are who the trust policy lets assume the role.
	TrustedPrincipals []Principal      `json:"trusted_principals"`
	TrustPolicy       Document         `json:"trust_policy"`
	InlinePolicies    []InlinePolicy   `json:"inline_policies"`
	AttachedPolicies  []AttachedPolicy `json:"attached_policies"`
}

// Deletion is what deleting a user or role removed.
type Deletion struct {
	Kind                  string   `json:"kind"` // OwnerUser or OwnerRole
	Name                  string   `json:"name"`
	DeletedAccessKeys     []string `json:"deleted_access_keys"`
	DeletedInlinePolicies []string `json:"deleted_inline_policies"`
	DetachedPolicies      []string `json:"detached_policies"` // ARNs
	// DeletedLoginProfile: the user's console password was deleted.
	DeletedLoginProfile bool `json:"deleted_login_profile,omitempty"`
}

// CreateUser creates a user at path "/".
func (c *IAM) CreateUser(ctx context.Context, name string) (*User, error) {
	out, err := c.api.CreateUser(ctx, &iam.CreateUserInput{UserName: &name})
	if err != nil {
		return nil, wrap("CreateUser", err)
	}
	u := user(out.User)
	return &u, nil
}

// GetUser returns a user.
func (c *IAM) GetUser(ctx context.Context, name string) (*User, error) {
	out, err := c.api.GetUser(ctx, &iam.GetUserInput{UserName: &name})
	if err != nil {
		return nil, wrap("GetUser", err)
	}
	u := user(out.User)
	return &u, nil
}

// ListUsers returns every user, in IAM's order (by name). Never nil.
func (c *IAM) ListUsers(ctx context.Context) ([]User, error) {
	out := []User{}
	p := iam.NewListUsersPaginator(c.api, &iam.ListUsersInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, wrap("ListUsers", err)
		}
		for i := range page.Users {
			out = append(out, user(&page.Users[i]))
		}
	}
	return out, nil
}

// UserDetails returns a user, its keys and its policies.
func (c *IAM) UserDetails(ctx context.Context, name string) (*UserDetails, error) {
	u, err := c.GetUser(ctx, name)
	if err != nil {
		return nil, err
	}
	d := &UserDetails{User: *u}
	// The user's stored name may differ in case from the one asked for.
	if d.AccessKeys, err = c.ListAccessKeys(ctx, u.UserName); err != nil {
		return nil, err
	}
	if d.InlinePolicies, err = c.inlinePolicies(ctx, OwnerUser, u.UserName); err != nil {
		return nil, err
	}
	if d.AttachedPolicies, err = c.attachedPolicies(ctx, OwnerUser, u.UserName); err != nil {
		return nil, err
	}
	return d, nil
}

// DeleteUser deletes a user. With force it first deletes the user's
// access keys and inline policies and detaches its managed policies;
// without, a user that has any is refused with IAM's DeleteConflict.
// If a step fails the error says what was already removed.
func (c *IAM) DeleteUser(ctx context.Context, name string, force bool) (*Deletion, error) {
	d := &Deletion{Kind: OwnerUser, Name: name, DeletedAccessKeys: []string{}, DeletedInlinePolicies: []string{}, DetachedPolicies: []string{}}
	if force {
		u, err := c.GetUser(ctx, name)
		if err != nil {
			return nil, err
		}
		d.Name = u.UserName
		if d.DeletedLoginProfile, err = c.deleteLoginProfile(ctx, d.Name); err != nil {
			return nil, d.partial(err)
		}
		keys, err := c.ListAccessKeys(ctx, d.Name)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			if err := c.DeleteAccessKey(ctx, d.Name, k.AccessKeyID); err != nil {
				return nil, d.partial(err)
			}
			d.DeletedAccessKeys = append(d.DeletedAccessKeys, k.AccessKeyID)
		}
		if err := c.emptyOwner(ctx, d); err != nil {
			return nil, err
		}
	}
	if _, err := c.api.DeleteUser(ctx, &iam.DeleteUserInput{UserName: &d.Name}); err != nil {
		return nil, d.partial(wrap("DeleteUser", err))
	}
	return d, nil
}

// emptyOwner deletes the inline policies and detaches the managed
// policies of d's user or role, recording each in d.
func (c *IAM) emptyOwner(ctx context.Context, d *Deletion) error {
	names, err := c.inlinePolicyNames(ctx, d.Kind, d.Name)
	if err != nil {
		return d.partial(err)
	}
	for _, n := range names {
		if err := c.deleteInline(ctx, d.Kind, d.Name, n); err != nil {
			return d.partial(err)
		}
		d.DeletedInlinePolicies = append(d.DeletedInlinePolicies, n)
	}
	attached, err := c.attachedPolicies(ctx, d.Kind, d.Name)
	if err != nil {
		return d.partial(err)
	}
	for _, a := range attached {
		if err := c.detach(ctx, d.Kind, d.Name, a.PolicyARN); err != nil {
			return d.partial(err)
		}
		d.DetachedPolicies = append(d.DetachedPolicies, a.PolicyARN)
	}
	return nil
}

// partial says what a delete had already removed when err stopped it.
func (d *Deletion) partial(err error) error {
	var done []string
	if d.DeletedLoginProfile {
		done = append(done, "deleted the login profile")
	}
	if n := len(d.DeletedAccessKeys); n > 0 {
		done = append(done, fmt.Sprintf("deleted access keys %s", strings.Join(d.DeletedAccessKeys, ", ")))
	}
	if n := len(d.DeletedInlinePolicies); n > 0 {
		done = append(done, fmt.Sprintf("deleted inline policies %s", strings.Join(d.DeletedInlinePolicies, ", ")))
	}
	if n := len(d.DetachedPolicies); n > 0 {
		done = append(done, fmt.Sprintf("detached %s", strings.Join(d.DetachedPolicies, ", ")))
	}
	if len(done) == 0 {
		return err
	}
	return &PartialError{Done: fmt.Sprintf("%s %s: %s", d.Kind, d.Name, strings.Join(done, "; ")), Err: err}
}

// PartialError is a multi-step change that stopped part way: Done says
// what had been changed when Err stopped it.
type PartialError struct {
	Done string
	Err  error
}

func (e *PartialError) Error() string { return e.Err.Error() + " (already done: " + e.Done + ")" }
func (e *PartialError) Unwrap() error { return e.Err }

// CreateAccessKey creates an Active access key for a user and returns it
// with its secret, which IAM never shows again.
func (c *IAM) CreateAccessKey(ctx context.Context, userName string) (*NewAccessKey, error) {
	out, err := c.api.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: &userName})
	if err != nil {
		return nil, wrap("CreateAccessKey", err)
	}
	k := out.AccessKey
	if k == nil || aws.ToString(k.AccessKeyId) == "" || aws.ToString(k.SecretAccessKey) == "" {
		return nil, errors.New("IAM CreateAccessKey: the answer holds no access key; the key may exist without its secret: list the user's keys and delete it")
	}
	return &NewAccessKey{
		AccessKey: AccessKey{AccessKeyID: aws.ToString(k.AccessKeyId), UserName: aws.ToString(k.UserName), Status: string(k.Status), Created: aws.ToTime(k.CreateDate)},
		Secret:    secret.New(aws.ToString(k.SecretAccessKey)),
	}, nil
}

// ListAccessKeys returns a user's access keys, without secrets. Never nil.
func (c *IAM) ListAccessKeys(ctx context.Context, userName string) ([]AccessKey, error) {
	out := []AccessKey{}
	p := iam.NewListAccessKeysPaginator(c.api, &iam.ListAccessKeysInput{UserName: &userName})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, wrap("ListAccessKeys", err)
		}
		for _, k := range page.AccessKeyMetadata {
			out = append(out, AccessKey{AccessKeyID: aws.ToString(k.AccessKeyId), UserName: aws.ToString(k.UserName), Status: string(k.Status), Created: aws.ToTime(k.CreateDate)})
		}
	}
	return out, nil
}

// SetAccessKeyStatus makes a user's key Active or Inactive and returns
// the key as IAM then lists it.
func (c *IAM) SetAccessKeyStatus(ctx context.Context, userName, keyID, status string) (*AccessKey, error) {
	_, err := c.api.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: &userName, AccessKeyId: &keyID, Status: types.StatusType(status)})
	if err != nil {
		return nil, wrap("UpdateAccessKey", err)
	}
	keys, err := c.ListAccessKeys(ctx, userName)
	if err != nil {
		return nil, err
	}
	for i := range keys {
		if keys[i].AccessKeyID == keyID {
			return &keys[i], nil
		}
	}
	// Deleted between the two calls: report the change that was made.
	return &AccessKey{AccessKeyID: keyID, UserName: userName, Status: status}, nil
}

// DeleteAccessKey deletes a user's key.
func (c *IAM) DeleteAccessKey(ctx context.Context, userName, keyID string) error {
	_, err := c.api.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: &userName, AccessKeyId: &keyID})
	return wrap("DeleteAccessKey", err)
}

// CreateRoleInput is what CreateRole takes.
type CreateRoleInput struct {
	Name        string
	TrustPolicy string // the assume-role policy document
	// MaxSessionDuration is 1h..12h in whole seconds; 0 is IAM's default
	// (1h).
	MaxSessionDuration time.Duration
	// PolicyARNs are managed policies to attach.
	PolicyARNs []string
}

// CreateRole creates a role and attaches its policies. The policies are
// looked up first, so a mistyped ARN leaves no role behind.
func (c *IAM) CreateRole(ctx context.Context, in CreateRoleInput) (*RoleDetails, error) {
	for _, arn := range in.PolicyARNs {
		if _, err := c.api.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)}); err != nil {
			return nil, wrap("GetPolicy", err)
		}
	}
	ri := &iam.CreateRoleInput{RoleName: &in.Name, AssumeRolePolicyDocument: &in.TrustPolicy}
	if in.MaxSessionDuration != 0 {
		ri.MaxSessionDuration = aws.Int32(int32(in.MaxSessionDuration / time.Second))
	}
	if _, err := c.api.CreateRole(ctx, ri); err != nil {
		return nil, wrap("CreateRole", err)
	}
	for i, arn := range in.PolicyARNs {
		if err := c.attach(ctx, OwnerRole, in.Name, arn); err != nil {
			done := "created"
			if i > 0 {
				done += ", attached " + strings.Join(in.PolicyARNs[:i], ", ")
			}
			return nil, &PartialError{Done: "role " + in.Name + ": " + done, Err: err}
		}
	}
	return c.RoleDetails(ctx, in.Name)
}

// ListRoles returns every role, in IAM's order (by name). Never nil.
func (c *IAM) ListRoles(ctx context.Context) ([]Role, error) {
	out := []Role{}
	p := iam.NewListRolesPaginator(c.api, &iam.ListRolesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, wrap("ListRoles", err)
		}
		for i := range page.Roles {
			out = append(out, role(&page.Roles[i]))
		}
	}
	return out, nil
}

// GetRole returns a role.
func (c *IAM) GetRole(ctx context.Context, name string) (*Role, error) {
	r, _, err := c.getRole(ctx, name)
	return r, err
}

func (c *IAM) getRole(ctx context.Context, name string) (*Role, Document, error) {
	out, err := c.api.GetRole(ctx, &iam.GetRoleInput{RoleName: &name})
	if err != nil {
		return nil, nil, wrap("GetRole", err)
	}
	r := role(out.Role)
	return &r, decodeDocument(aws.ToString(out.Role.AssumeRolePolicyDocument)), nil
}

// RoleDetails returns a role, who it trusts and its policies.
func (c *IAM) RoleDetails(ctx context.Context, name string) (*RoleDetails, error) {
	r, trust, err := c.getRole(ctx, name)
	if err != nil {
		return nil, err
	}
	d := &RoleDetails{Role: *r, TrustPolicy: trust, TrustedPrincipals: TrustedPrincipals(trust)}
	if d.InlinePolicies, err = c.inlinePolicies(ctx, OwnerRole, r.RoleName); err != nil {
		return nil, err
	}
	if d.AttachedPolicies, err = c.attachedPolicies(ctx, OwnerRole, r.RoleName); err != nil {
		return nil, err
	}
	return d, nil
}

// DeleteRole deletes a role. With force it first deletes its inline
// policies and detaches its managed policies; without, a role that has
// any is refused with IAM's DeleteConflict. Sessions already issued for
// the role then fail, as on AWS.
func (c *IAM) DeleteRole(ctx context.Context, name string, force bool) (*Deletion, error) {
	d := &Deletion{Kind: OwnerRole, Name: name, DeletedAccessKeys: []string{}, DeletedInlinePolicies: []string{}, DetachedPolicies: []string{}}
	if force {
		r, err := c.GetRole(ctx, name)
		if err != nil {
			return nil, err
		}
		d.Name = r.RoleName
		if err := c.emptyOwner(ctx, d); err != nil {
			return nil, err
		}
	}
	if _, err := c.api.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: &d.Name}); err != nil {
		return nil, d.partial(wrap("DeleteRole", err))
	}
	return d, nil
}

// Attach attaches the managed policy arn to a user or role and returns
// the attachment as IAM then lists it.
func (c *IAM) Attach(ctx context.Context, kind, name, arn string) (*AttachedPolicy, error) {
	if err := c.attach(ctx, kind, name, arn); err != nil {
		return nil, err
	}
	attached, err := c.attachedPolicies(ctx, kind, name)
	if err != nil {
		return nil, err
	}
	for i := range attached {
		if attached[i].PolicyARN == arn {
			return &attached[i], nil
		}
	}
	return &AttachedPolicy{PolicyName: arn[strings.LastIndexByte(arn, '/')+1:], PolicyARN: arn}, nil
}

// PutInlinePolicy embeds (or replaces) the policy called policyName in a
// user or role.
func (c *IAM) PutInlinePolicy(ctx context.Context, kind, name, policyName, document string) error {
	var err error
	if kind == OwnerRole {
		_, err = c.api.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: &name, PolicyName: &policyName, PolicyDocument: &document})
		return wrap("PutRolePolicy", err)
	}
	_, err = c.api.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: &name, PolicyName: &policyName, PolicyDocument: &document})
	return wrap("PutUserPolicy", err)
}

// Detach detaches the managed policy arn from a user or role. IAM answers
// NoSuchEntity when it is not attached.
func (c *IAM) Detach(ctx context.Context, kind, name, arn string) error {
	return c.detach(ctx, kind, name, arn)
}

// DeleteInlinePolicy deletes the inline policy called policyName of a user
// or role.
func (c *IAM) DeleteInlinePolicy(ctx context.Context, kind, name, policyName string) error {
	return c.deleteInline(ctx, kind, name, policyName)
}

// SetMaxSessionDuration sets a role's MaxSessionDuration (1h..12h in whole
// seconds; IAM checks) with UpdateRole, then returns the role as IAM now
// holds it. Sessions already issued keep their expiry, as on AWS.
func (c *IAM) SetMaxSessionDuration(ctx context.Context, name string, d time.Duration) (*Role, error) {
	in := &iam.UpdateRoleInput{RoleName: &name, MaxSessionDuration: aws.Int32(int32(d / time.Second))}
	if _, err := c.api.UpdateRole(ctx, in); err != nil {
		return nil, wrap("UpdateRole", err)
	}
	return c.GetRole(ctx, name)
}

func (c *IAM) attach(ctx context.Context, kind, name, arn string) error {
	var err error
	if kind == OwnerRole {
		_, err = c.api.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: &name, PolicyArn: &arn})
		return wrap("AttachRolePolicy", err)
	}
	_, err = c.api.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: &name, PolicyArn: &arn})
	return wrap("AttachUserPolicy", err)
}

func (c *IAM) detach(ctx context.Context, kind, name, arn string) error {
	var err error
	if kind == OwnerRole {
		_, err = c.api.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: &name, PolicyArn: &arn})
		return wrap("DetachRolePolicy", err)
	}
	_, err = c.api.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: &name, PolicyArn: &arn})
	return wrap("DetachUserPolicy", err)
}

func (c *IAM) deleteInline(ctx context.Context, kind, name, policyName string) error {
	var err error
	if kind == OwnerRole {
		_, err = c.api.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: &name, PolicyName: &policyName})
		return wrap("DeleteRolePolicy", err)
	}
	_, err = c.api.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: &name, PolicyName: &policyName})
	return wrap("DeleteUserPolicy", err)
}

func (c *IAM) inlinePolicyNames(ctx context.Context, kind, name string) ([]string, error) {
	out := []string{}
	if kind == OwnerRole {
		p := iam.NewListRolePoliciesPaginator(c.api, &iam.ListRolePoliciesInput{RoleName: &name})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, wrap("ListRolePolicies", err)
			}
			out = append(out, page.PolicyNames...)
		}
		return out, nil
	}
	p := iam.NewListUserPoliciesPaginator(c.api, &iam.ListUserPoliciesInput{UserName: &name})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, wrap("ListUserPolicies", err)
		}
		out = append(out, page.PolicyNames...)
	}
	return out, nil
}

func (c *IAM) inlinePolicies(ctx context.Context, kind, name string) ([]InlinePolicy, error) {
	names, err := c.inlinePolicyNames(ctx, kind, name)
	if err != nil {
		return nil, err
	}
	out := make([]InlinePolicy, 0, len(names))
	for _, n := range names {
		var doc *string
		if kind == OwnerRole {
			r, err := c.api.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: &name, PolicyName: aws.String(n)})
			if err != nil {
				return nil, wrap("GetRolePolicy", err)
			}
			doc = r.PolicyDocument
		} else {
			r, err := c.api.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: &name, PolicyName: aws.String(n)})
			if err != nil {
				return nil, wrap("GetUserPolicy", err)
			}
			doc = r.PolicyDocument
		}
		out = append(out, InlinePolicy{PolicyName: n, Document: decodeDocument(aws.ToString(doc))})
	}
	return out, nil
}

func (c *IAM) attachedPolicies(ctx context.Context, kind, name string) ([]AttachedPolicy, error) {
	out := []AttachedPolicy{}
	add := func(ps []types.AttachedPolicy) {
		for _, p := range ps {
			out = append(out, AttachedPolicy{PolicyName: aws.ToString(p.PolicyName), PolicyARN: aws.ToString(p.PolicyArn)})
		}
	}
	if kind == OwnerRole {
		p := iam.NewListAttachedRolePoliciesPaginator(c.api, &iam.ListAttachedRolePoliciesInput{RoleName: &name})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, wrap("ListAttachedRolePolicies", err)
			}
			add(page.AttachedPolicies)
		}
		return out, nil
	}
	p := iam.NewListAttachedUserPoliciesPaginator(c.api, &iam.ListAttachedUserPoliciesInput{UserName: &name})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, wrap("ListAttachedUserPolicies", err)
		}
		add(page.AttachedPolicies)
	}
	return out, nil
}

func user(u *types.User) User {
	if u == nil {
		return User{}
	}
	return User{UserName: aws.ToString(u.UserName), UserID: aws.ToString(u.UserId), ARN: aws.ToString(u.Arn), Path: aws.ToString(u.Path), Created: aws.ToTime(u.CreateDate)}
}

func role(r *types.Role) Role {
	if r == nil {
		return Role{}
	}
	return Role{
		RoleName: aws.ToString(r.RoleName), RoleID: aws.ToString(r.RoleId), ARN: aws.ToString(r.Arn), Path: aws.ToString(r.Path),
		Description: aws.ToString(r.Description), MaxSessionDurationSeconds: int(aws.ToInt32(r.MaxSessionDuration)), Created: aws.ToTime(r.CreateDate),
	}
}
