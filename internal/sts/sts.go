// Package sts issues and manages temporary security credentials the way AWS
// STS does: AssumeRole, GetSessionToken and GetFederationToken with AWS's
// duration rules, and the sessions they create (look up, list, terminate,
// sweep). It knows no HTTP; stsapi speaks the wire protocol, and trust
// policies are evaluated by the API's authoriser before AssumeRole is
// called.
//
// A presigned URL lives only as long as the credentials that signed it, so
// every Issued and Expiry here comes from the injected lifetime clock and
// the durations follow AWS exactly.
package sts

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"signet/internal/iam"
	"slices"
	"sort"
	"time"

	"signet/internal/clock"
	"signet/internal/meta"
	"signet/internal/policy"
	"signet/internal/principal"
	"signet/internal/secret"
	"signet/internal/wiring"
)

// Store is the part of the identity store STS uses: the sessions it
// issues, and the roles they assume.
type Store interface {
	meta.Sessions
	meta.Roles
}

// Config wires a Service. Store, Sealer, Clock and Account are required
// (see package wiring); Policies is optional.
type Config struct {
	Store  Store
	Sealer *secret.Sealer
	// Clock is the lifetime clock (the one --dev-clock moves forward):
	// every Issued and Expiry comes from it.
	Clock clock.Clock
	// Account is the account every session's ARN names.
	Account string
	// Policies tells which managed policy ARNs a session may be given
	// (iam.Service). Without it every PolicyArns entry is refused.
	Policies ManagedPolicies
}

// ManagedPolicies looks up managed policies by ARN.
type ManagedPolicies interface {
	// ManagedPolicyExists reports whether arn names an AWS managed policy
	// or a customer managed policy of this account.
	ManagedPolicyExists(ctx context.Context, arn string) (bool, error)
}

// Service issues and manages STS sessions.
type Service struct {
	cfg Config
}

// New returns a Service, or an error naming the required fields cfg lacks.
func New(cfg Config) (*Service, error) {
	err := wiring.Require("sts.Config", map[string]bool{
		"Store": cfg.Store != nil, "Sealer": cfg.Sealer != nil, "Clock": cfg.Clock != nil, "Account": cfg.Account != "",
	})
	if err != nil {
		return nil, err
	}
	return &Service{cfg: cfg}, nil
}

// Account is the account the service issues sessions in.
func (s *Service) Account() string { return s.cfg.Account }

// Credentials are what the caller receives once: the only time the session
// token exists outside the client.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey secret.Secret
	SessionToken    secret.Secret
	Expiration      time.Time
}

// AssumeRoleInput holds AssumeRole's parameters.
type AssumeRoleInput struct {
	RoleARN         string
	RoleSessionName string
	// DurationSeconds: 0 means the default (3600).
	DurationSeconds int
	// Policy is an inline session policy ("" for none).
	Policy string
	// PolicyARNs are managed session policies (PolicyArns.member.N.arn).
	PolicyARNs     []string
	ExternalID     string
	SourceIdentity string
}

// AssumeRole issues a role session for caller. The caller's right to
// assume the role (the trust policy and its identity policies) must have
// been checked already; AssumeRole applies the rules AWS applies whoever
// asks: model constraints, no root, the role exists in this account, and
// the duration fits the role and role chaining.
func (s *Service) AssumeRole(ctx context.Context, caller principal.Principal, in AssumeRoleInput) (Credentials, meta.Session, error) {
	if err := ValidateAssumeRole(caller, in); err != nil {
		return Credentials{}, meta.Session{}, err
	}
	role, err := LookupRole(ctx, s.cfg.Store, s.cfg.Account, in.RoleARN)
	if errors.Is(err, ErrNotFound) {
		return Credentials{}, meta.Session{}, NotAuthorized(caller.ARN, "sts:AssumeRole", in.RoleARN)
	}
	if err != nil {
		return Credentials{}, meta.Session{}, err
	}
	// Role chaining: role credentials asking for another role. Session-
	// token credentials of a user are not role credentials.
	chained := caller.SessionKind == principal.SessionAssumedRole
	d := in.DurationSeconds
	if d == 0 {
		d = AssumeRoleDefault
	}
	roleMax := role.MaxSessionDuration
	if roleMax == 0 {
		roleMax = DefaultMaxSessionDuration
	}
	switch {
	case chained && d > ChainedMax:
		return Credentials{}, meta.Session{}, newError(ReasonChainedSession)
	case d > roleMax:
		return Credentials{}, meta.Session{}, newError(ReasonMaxSession)
	}
	if err := s.checkSessionPolicies(ctx, in.Policy, in.PolicyARNs); err != nil {
		return Credentials{}, meta.Session{}, err
	}
	sess := meta.Session{
		Kind:              principal.SessionAssumedRole,
		ARN:               "arn:aws:sts::" + s.cfg.Account + ":assumed-role/" + role.Name + "/" + in.RoleSessionName,
		UserID:            role.ID + ":" + in.RoleSessionName,
		UserName:          caller.UserName,
		OwnerID:           role.ID,
		RoleName:          role.Name,
		SessionName:       in.RoleSessionName,
		SessionPolicy:     in.Policy,
		SessionPolicyARNs: slices.Clone(in.PolicyARNs),
		Chained:           chained,
		SourceAccessKeyID: caller.AccessKeyID,
	}
	return s.issue(ctx, sess, d)
}

// GetSessionToken issues a session for the caller's own identity. Only
// long-term credentials may ask. durationSeconds 0 means the default: 12 h
// for a user, 1 h for root.
func (s *Service) GetSessionToken(ctx context.Context, caller principal.Principal, durationSeconds int) (Credentials, meta.Session, error) {
	return s.sessionToken(ctx, caller, durationSeconds, "")
}

// ConsoleSession issues the session of a web console sign-in: a
// session-token session, with GetSessionToken's rules and durations,
// named principal.ConsoleSessionName so that IAM serves it as AWS serves
// its console's sessions.
func (s *Service) ConsoleSession(ctx context.Context, caller principal.Principal, durationSeconds int) (Credentials, meta.Session, error) {
	return s.sessionToken(ctx, caller, durationSeconds, principal.ConsoleSessionName)
}

func (s *Service) sessionToken(ctx context.Context, caller principal.Principal, durationSeconds int, name string) (Credentials, meta.Session, error) {
	if err := ValidateSessionToken(caller, durationSeconds); err != nil {
		return Credentials{}, meta.Session{}, err
	}
	userID := caller.UserID
	if userID == "" && caller.IsRoot {
		userID = s.cfg.Account
	}
	sess := meta.Session{
		Kind:              principal.SessionToken,
		ARN:               caller.ARN,
		UserID:            userID,
		UserName:          caller.UserName,
		Root:              caller.IsRoot,
		OwnerID:           userOwnerID(caller),
		SourceAccessKeyID: caller.AccessKeyID,
		SessionName:       name,
	}
	return s.issue(ctx, sess, tokenDuration(caller, durationSeconds))
}

// userOwnerID is the unique ID a user's session or federation token is
// bound to: the user's own (AIDA…); root's sessions have none.
func userOwnerID(caller principal.Principal) string {
	if caller.IsRoot {
		return ""
	}
	return caller.UserID
}

// GetFederationToken issues a federated-user session named name. Only
// long-term credentials may ask; the caller's right to
// sts:GetFederationToken on the federated user's ARN must have been
// checked already. policyARNs are managed session policies. Without a
// session policy, inline or managed, the session has no permissions; the
// authoriser enforces that from the stored session policies and Kind.
func (s *Service) GetFederationToken(ctx context.Context, caller principal.Principal, name, policyDoc string, durationSeconds int, policyARNs ...string) (Credentials, meta.Session, error) {
	if err := ValidateFederationToken(caller, name, policyDoc, durationSeconds, policyARNs...); err != nil {
		return Credentials{}, meta.Session{}, err
	}
	if err := s.checkSessionPolicies(ctx, policyDoc, policyARNs); err != nil {
		return Credentials{}, meta.Session{}, err
	}
	sess := meta.Session{
		Kind:              principal.SessionFederated,
		ARN:               FederatedUserARN(s.cfg.Account, name),
		UserID:            s.cfg.Account + ":" + name,
		UserName:          caller.UserName,
		Root:              caller.IsRoot,
		OwnerID:           userOwnerID(caller),
		SessionName:       name,
		SessionPolicy:     policyDoc,
		SessionPolicyARNs: slices.Clone(policyARNs),
		SourceAccessKeyID: caller.AccessKeyID,
	}
	return s.issue(ctx, sess, tokenDuration(caller, durationSeconds))
}

// FederatedUserARN is arn:aws:sts::ACCT:federated-user/NAME, the resource
// of sts:GetFederationToken and the federated session's ARN.
func FederatedUserARN(account, name string) string {
	return "arn:aws:sts::" + account + ":federated-user/" + name
}

// LookupRole finds the role a role ARN names in account. A malformed ARN,
// another account, an unknown name or a path that differs from the role's
// all give an ErrNotFound-kind error: STS answers every one of them with
// the same AccessDenied.
func LookupRole(ctx context.Context, store meta.Roles, account, arn string) (meta.Role, error) {
	notFound := named(ReasonNoSuchRole, arn)
	ra, err := parseRoleARN(arn)
	if err != nil || ra.Account != account {
		return meta.Role{}, notFound
	}
	role, err := store.GetRole(ctx, ra.Name)
	if errors.Is(err, meta.ErrNoSuchEntity) {
		return meta.Role{}, notFound
	}
	if err != nil {
		return meta.Role{}, fmt.Errorf("sts: look up role: %w", err)
	}
	if normPath(role.Path) != ra.Path {
		return meta.Role{}, notFound
	}
	return role, nil
}

// checkSessionPolicies validates the session policies of a request: the
// inline one ("" is none) must parse, each managed one must exist (an AWS
// managed policy or one of this account), and together they must fit the
// packed limit.
func (s *Service) checkSessionPolicies(ctx context.Context, doc string, arns []string) error {
	if doc != "" {
		if _, err := policy.Parse(policy.Session, []byte(doc)); err != nil {
			// The policy package words its errors for users (AWS's texts).
			e := newError(ReasonPolicySyntax)
			e.Problem = err.Error()
			return e
		}
	}
	for _, arn := range arns {
		ok := false
		if s.cfg.Policies != nil {
			var err error
			if ok, err = s.cfg.Policies.ManagedPolicyExists(ctx, arn); err != nil {
				return fmt.Errorf("sts: look up session policy %s: %w", arn, err)
			}
		}
		if !ok {
			return named(ReasonPolicyNotAttachable, arn)
		}
	}
	if n := PackedPolicySize(doc, arns...); n > 100 {
		e := newError(ReasonPackedPolicyTooLarge)
		e.Percent = n
		return e
	}
	return nil
}

// PackedPolicySize is the percentage of the packed-policy allowance the
// session policies use, as AssumeRole and GetFederationToken report it (0
// for none). AWS packs the inline policy and the managed policies' ARNs
// (not their documents) in an undisclosed binary form, and documents that
// the plaintext of both together may not exceed 2048 characters; signet
// counts the inline policy with insignificant whitespace removed plus each
// ARN against that limit, which keeps the figure in the same range and
// below 100 for every inline policy the model accepts on its own.
func PackedPolicySize(doc string, arns ...string) int {
	n := 0
	if doc != "" {
		n = len(doc)
		var buf bytes.Buffer
		if json.Compact(&buf, []byte(doc)) == nil {
			n = buf.Len()
		}
	}
	for _, arn := range arns {
		n += len(arn)
	}
	return (n*100 + PolicyMaxLength - 1) / PolicyMaxLength
}

// issue completes sess with fresh credentials and stores it. Only the
// sealed secret and the token's hash are stored: a copy of the store can
// neither sign nor present the token.
func (s *Service) issue(ctx context.Context, sess meta.Session, durationSeconds int) (Credentials, meta.Session, error) {
	// Whole seconds: the Expiration on the wire has second precision, and
	// the stored expiry that ends presigned URLs must be the one the
	// client was told, not up to a second later.
	now := s.cfg.Clock.Now().UTC().Truncate(time.Second)
	sec, err := secret.Generate()
	if err != nil {
		return Credentials{}, meta.Session{}, fmt.Errorf("sts: generate secret: %w", err)
	}
	tok, err := newToken()
	if err != nil {
		return Credentials{}, meta.Session{}, err
	}
	sess.TokenHash = secret.HashToken(tok.Reveal())
	sess.Issued = now
	sess.Expiry = now.Add(time.Duration(durationSeconds) * time.Second)
	// 80 random bits make a collision all but impossible; the retry only
	// keeps one from surfacing as an error.
	for attempt := 0; ; attempt++ {
		id, err := iam.NewID(iam.PrefixTempAccessKey)
		if err != nil {
			return Credentials{}, meta.Session{}, err
		}
		sealed, err := s.cfg.Sealer.Seal(sec, id)
		if err != nil {
			return Credentials{}, meta.Session{}, fmt.Errorf("sts: seal secret: %w", err)
		}
		sess.AccessKeyID, sess.SealedSecret = id, sealed
		err = s.cfg.Store.PutSession(ctx, sess)
		if errors.Is(err, meta.ErrEntityExists) && attempt < 3 {
			continue
		}
		if err != nil {
			return Credentials{}, meta.Session{}, fmt.Errorf("sts: store session: %w", err)
		}
		return Credentials{AccessKeyID: id, SecretAccessKey: sec, SessionToken: tok, Expiration: sess.Expiry}, sess, nil
	}
}

// Get returns the session of a temporary access key, live or not.
func (s *Service) Get(ctx context.Context, accessKeyID string) (meta.Session, error) {
	sess, err := s.cfg.Store.GetSession(ctx, accessKeyID)
	if errors.Is(err, meta.ErrNoSuchEntity) {
		return meta.Session{}, sessionNotFound(accessKeyID)
	}
	if err != nil {
		return meta.Session{}, fmt.Errorf("sts: get session: %w", err)
	}
	return sess, nil
}

// Live reports whether sess still stands at now: not terminated and not
// expired (a session ends at its Expiry, as authn treats it).
func Live(sess meta.Session, now time.Time) bool {
	return sess.TerminatedAt.IsZero() && now.Before(sess.Expiry)
}

// List returns the sessions live at now, oldest first.
func (s *Service) List(ctx context.Context, now time.Time) ([]meta.Session, error) {
	all, err := s.cfg.Store.ListSessions(ctx)
	if err != nil {
		return nil, fmt.Errorf("sts: list sessions: %w", err)
	}
	live := all[:0:0]
	for _, sess := range all {
		if Live(sess, now) {
			live = append(live, sess)
		}
	}
	sort.SliceStable(live, func(i, j int) bool {
		if !live[i].Issued.Equal(live[j].Issued) {
			return live[i].Issued.Before(live[j].Issued)
		}
		return live[i].AccessKeyID < live[j].AccessKeyID
	})
	return live, nil
}

// Terminate ends a session now (by the lifetime clock): its credentials and
// the URLs they signed fail from then on as expired. Terminating twice
// keeps the first time.
func (s *Service) Terminate(ctx context.Context, accessKeyID string) error {
	err := s.cfg.Store.TerminateSession(ctx, accessKeyID, s.cfg.Clock.Now().UTC())
	if errors.Is(err, meta.ErrNoSuchEntity) {
		return sessionNotFound(accessKeyID)
	}
	if err != nil {
		return fmt.Errorf("sts: terminate session: %w", err)
	}
	return nil
}

// Sweep deletes the sessions that expired more than retain ago and returns
// how many went. Keeping them for a while lets a request signed by a
// recently expired session still be told ExpiredToken rather than
// InvalidClientTokenId.
func (s *Service) Sweep(ctx context.Context, retain time.Duration) (int, error) {
	n, err := s.cfg.Store.DeleteSessionsExpiredBefore(ctx, s.cfg.Clock.Now().UTC().Add(-retain))
	if err != nil {
		return n, fmt.Errorf("sts: sweep sessions: %w", err)
	}
	return n, nil
}

func sessionNotFound(id string) *Error {
	return named(ReasonNoSuchSession, id)
}

// tokenBytes of crypto/rand make a session token (512 bits, far above the
// 128 needed), in standard base64 like AWS's opaque tokens.
const tokenBytes = 64

func newToken() (secret.Secret, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return secret.Secret{}, fmt.Errorf("sts: generate token: %w", err)
	}
	return secret.New(base64.StdEncoding.EncodeToString(b)), nil
}
