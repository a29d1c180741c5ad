// Package adminclient calls signet's admin API (docs/admin-api.md): the dev
// clock and the STS session registry, served under /_signet/admin/v1/ on the
// same endpoint as S3, IAM and STS. Admin requests are signed with SigV4
// (service "signet", generic mode) by signet's own signer, so the signature
// it sends is the one the server verifies. The IAM calls (iam.go) go through
// aws-sdk-go-v2's IAM client, as any IAM client would.
package adminclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"signet/internal/adminwire"
	"signet/internal/duration"
	"signet/internal/sigprint"
	"signet/internal/sigv4"
)

// PathPrefix is where the admin API lives on a signet endpoint.
const PathPrefix = adminwire.PathPrefix

// Service is the credential scope's service name the admin API expects.
const Service = adminwire.Service

// DefaultRegion is signed when Client.Region is empty. The server accepts
// any region in the scope; us-east-1 is what the AWS CLI falls back to.
const DefaultRegion = "us-east-1"

// maxBody bounds how much of a response is read. A session list is a few
// hundred bytes per session and sessions are kept at most seven days past
// expiry, so this is generous; it only stops a misdirected endpoint from
// streaming something huge into memory.
const maxBody = 32 << 20

// CredentialsProvider supplies the credentials to sign with. It is asked on
// every call so that refreshing providers (SSO, assumed roles) keep working
// in long-lived clients.
type CredentialsProvider interface {
	Retrieve(ctx context.Context) (sigv4.Credentials, error)
}

// StaticCredentials is a CredentialsProvider that always answers itself.
type StaticCredentials sigv4.Credentials

// Retrieve returns c.
func (c StaticCredentials) Retrieve(context.Context) (sigv4.Credentials, error) {
	return sigv4.Credentials(c), nil
}

// CredentialsFunc adapts a function to CredentialsProvider.
type CredentialsFunc func(ctx context.Context) (sigv4.Credentials, error)

// Retrieve calls f.
func (f CredentialsFunc) Retrieve(ctx context.Context) (sigv4.Credentials, error) { return f(ctx) }

// Client calls one signet endpoint's admin API. The zero value of every
// field but Endpoint and Credentials has a usable default.
type Client struct {
	// Endpoint is the server's base URL, e.g. http://localhost:9000. A path
	// on it (a reverse proxy's prefix) is kept in front of PathPrefix.
	Endpoint *url.URL
	// Region goes into the credential scope; DefaultRegion when empty.
	Region      string
	Credentials CredentialsProvider
	// HTTP sends the requests; http.DefaultClient when nil.
	HTTP *http.Client
	// Now is the signing time; time.Now when nil. The server checks it
	// against its real clock, never the dev clock, so it should be real.
	Now func() time.Time
	// UserAgent is sent when set, so the server's log can tell clients apart.
	UserAgent string
}

// The API's JSON shapes, shared with the server.
type (
	Clock       = adminwire.Clock
	Session     = adminwire.Session
	SessionList = adminwire.SessionList
)

// Session kinds and statuses.
const (
	KindAssumedRole   = adminwire.KindAssumedRole
	KindSessionToken  = adminwire.KindSessionToken
	KindFederatedUser = adminwire.KindFederatedUser
	StatusActive      = adminwire.StatusActive
	StatusExpired     = adminwire.StatusExpired
	StatusTerminated  = adminwire.StatusTerminated
)

// APIError is an error the admin API answered in its documented JSON form.
type APIError struct {
	Status    int    // HTTP status
	Code      string // e.g. NoSuchSession, DevClockDisabled
	Message   string
	RequestID string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("%s: %s (HTTP %d", e.Code, e.Message, e.Status)
	if e.RequestID != "" {
		s += ", request ID " + e.RequestID
	}
	return s + ")"
}

// HTTPError is a failure response that is not the admin API's JSON error:
// typically a proxy's page, or an endpoint that is not a signet server with
// the admin API (an older signet answers S3 XML for the "_signet" path).
type HTTPError struct {
	Status      int
	ContentType string
	Body        string // the start of the body, for the message
	RequestID   string
}

func (e *HTTPError) Error() string {
	s := fmt.Sprintf("HTTP %d %s", e.Status, http.StatusText(e.Status))
	if e.ContentType != "" {
		s += " (" + e.ContentType + ")"
	}
	if e.RequestID != "" {
		s += ", request ID " + e.RequestID
	}
	if b := strings.TrimSpace(e.Body); b != "" {
		s += ": " + b
	}
	return s + "; not an admin API error body"
}

// CredentialsError wraps a failure to obtain credentials, so callers can
// tell the user to configure them rather than blame the server.
type CredentialsError struct{ Err error }

func (e *CredentialsError) Error() string { return "retrieving credentials: " + e.Err.Error() }
func (e *CredentialsError) Unwrap() error { return e.Err }

// Clock answers GET /_signet/admin/v1/clock.
func (c *Client) Clock(ctx context.Context) (*Clock, error) {
	var out Clock
	if err := c.do(ctx, http.MethodGet, "clock", "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Advance moves the dev clock forward by d (POST …/clock/advance). d must
// be positive; the server refuses anything else, so the client does too
// without a round trip.
func (c *Client) Advance(ctx context.Context, d time.Duration) (*Clock, error) {
	if d <= 0 {
		return nil, fmt.Errorf("adminclient: advance by %s: the clock only moves forward; give a positive duration", duration.Format(d))
	}
	body, err := json.Marshal(adminwire.Advance{Duration: duration.Format(d)})
	if err != nil {
		return nil, err
	}
	var out Clock
	if err := c.do(ctx, http.MethodPost, "clock/advance", "", body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Reset brings the dev clock back to real time (POST …/clock/reset).
func (c *Client) Reset(ctx context.Context) (*Clock, error) {
	var out Clock
	if err := c.do(ctx, http.MethodPost, "clock/reset", "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListSessions answers GET …/sessions: live sessions oldest first, or with
// all every session still on record (expired and terminated ones are kept
// seven days past expiry). The slice is never nil.
func (c *Client) ListSessions(ctx context.Context, all bool) ([]Session, error) {
	q := ""
	if all {
		q = "all=true"
	}
	var out SessionList
	if err := c.do(ctx, http.MethodGet, "sessions", q, nil, &out); err != nil {
		return nil, err
	}
	if out.Sessions == nil {
		out.Sessions = []Session{}
	}
	return out.Sessions, nil
}

// Session answers GET …/sessions/{id}.
func (c *Client) Session(ctx context.Context, accessKeyID string) (*Session, error) {
	if err := ValidateAccessKeyID(accessKeyID); err != nil {
		return nil, err
	}
	var out Session
	if err := c.do(ctx, http.MethodGet, "sessions/"+accessKeyID, "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Terminate ends a session now (POST …/sessions/{id}/terminate) and returns
// it. Every URL it signed then fails with ExpiredToken. Terminating twice
// keeps the first time.
func (c *Client) Terminate(ctx context.Context, accessKeyID string) (*Session, error) {
	if err := ValidateAccessKeyID(accessKeyID); err != nil {
		return nil, err
	}
	var out Session
	if err := c.do(ctx, http.MethodPost, "sessions/"+accessKeyID+"/terminate", "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Explain asks the server to judge a presigned URL without serving it
// (POST …/explain): which identity signed it, that credential's state, the
// effective expiry and the verdict with its reason.
func (c *Client) Explain(ctx context.Context, req adminwire.ExplainRequest) (*adminwire.Explanation, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	var out adminwire.Explanation
	if err := c.do(ctx, http.MethodPost, "explain", "", body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ValidateAccessKeyID checks the shape IAM gives access key IDs ([\w]+, at
// most 128 characters). Checking here keeps an ID from ever changing the
// path it is put in ("..", "/", "?").
func ValidateAccessKeyID(id string) error {
	if id == "" {
		return errors.New("adminclient: empty access key ID")
	}
	if len(id) > 128 {
		return fmt.Errorf("adminclient: access key ID %.20q… is longer than 128 characters", id)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return fmt.Errorf("adminclient: %q is not an access key ID (letters, digits and _ only, e.g. ASIAIOSFODNN7EXAMPLE)", id)
		}
	}
	return nil
}

// URL returns the URL of an admin path ("clock", "sessions/ASIA…") on
// c.Endpoint with the raw query q.
func (c *Client) URL(path, q string) (*url.URL, error) {
	if c.Endpoint == nil {
		return nil, errors.New("adminclient: no endpoint")
	}
	if c.Endpoint.Scheme != "http" && c.Endpoint.Scheme != "https" || c.Endpoint.Host == "" {
		return nil, fmt.Errorf("adminclient: endpoint %q is not an http:// or https:// URL with a host", c.Endpoint.String())
	}
	// The pieces appended are plain ASCII ([\w/] only: see
	// ValidateAccessKeyID), so they read the same escaped or not and the
	// endpoint's own path keeps whatever escaping it had.
	u := *c.Endpoint
	u.User = nil // the signature is the authentication; never send basic auth
	u.Path = strings.TrimSuffix(u.Path, "/") + PathPrefix + path
	if u.RawPath != "" {
		u.RawPath = strings.TrimSuffix(u.RawPath, "/") + PathPrefix + path
	}
	u.Fragment, u.RawFragment = "", ""
	u.RawQuery = q
	return &u, nil
}

func (c *Client) do(ctx context.Context, method, path, query string, body []byte, out any) error {
	u, err := c.URL(path, query)
	if err != nil {
		return err
	}
	resp, err := c.send(ctx, method, u, body, "application/json")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return fmt.Errorf("%s %s: reading response: %w", method, u.Redacted(), err)
	}
	if len(data) > maxBody {
		return fmt.Errorf("%s %s: response larger than %d bytes", method, u.Redacted(), maxBody)
	}
	if resp.StatusCode/100 != 2 {
		return decodeError(resp, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: HTTP %d but the body is not the admin API's JSON (%v): %s",
			method, u.Redacted(), resp.StatusCode, err, snippet(data))
	}
	return nil
}

// send signs and sends one admin request, accepting the media type
// accept, and returns the response, whatever its status.
func (c *Client) send(ctx context.Context, method string, u *url.URL, body []byte, accept string) (*http.Response, error) {
	if c.Credentials == nil {
		return nil, &CredentialsError{Err: errors.New("no credentials provider")}
	}
	creds, err := c.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, &CredentialsError{Err: err}
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	// Generic-mode signing does not add x-amz-content-sha256 (only S3 needs
	// it), but the server verifies the body against the signed hash; set it
	// before signing so it is covered by the signature too.
	hash := sigv4.HexSHA256(body)
	req.Header.Set("X-Amz-Content-Sha256", hash)
	region := c.Region
	if region == "" {
		region = DefaultRegion
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	if err := sigv4.SignHeader(req, creds, region, Service, now().UTC(), hash, sigv4.Generic); err != nil {
		return nil, &CredentialsError{Err: err}
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	return hc.Do(req)
}

// Backup asks for a hot backup (GET …/backup) and returns its stream, a
// tar whose last entry is the manifest (package backup reads it). With
// includeSealingKey the stream holds the sealing key too. The caller
// closes the stream.
func (c *Client) Backup(ctx context.Context, includeSealingKey bool) (io.ReadCloser, error) {
	q := ""
	if includeSealingKey {
		q = "include-sealing-key=true"
	}
	u, err := c.URL("backup", q)
	if err != nil {
		return nil, err
	}
	resp, err := c.send(ctx, http.MethodGet, u, nil, adminwire.BackupContentType)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 == 2 {
		if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == adminwire.BackupContentType {
			return resp.Body, nil
		}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("GET %s: reading response: %w", u.Redacted(), err)
	}
	return nil, decodeError(resp, data)
}

// decodeError turns a failure response into an *APIError when it has the
// documented shape, else an *HTTPError.
func decodeError(resp *http.Response, data []byte) error {
	reqID := resp.Header.Get("X-Amz-Request-Id")
	var env adminwire.ErrorBody
	if json.Unmarshal(data, &env) == nil && env.Error != nil && env.Error.Code != "" {
		if env.RequestID != "" {
			reqID = env.RequestID
		}
		return &APIError{Status: resp.StatusCode, Code: env.Error.Code, Message: env.Error.Message, RequestID: reqID}
	}
	ct := resp.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		ct = mt
	}
	return &HTTPError{Status: resp.StatusCode, ContentType: ct, Body: snippet(data), RequestID: reqID}
}

// snippet is the start of a body on one line, for error messages.
func snippet(b []byte) string {
	const max = 200
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "") + "…"
	}
	return s
}

// SweepLifecycle runs the server's lifecycle sweep now (POST
// …/lifecycle/sweep) rather than at its next minute, and returns what it
// did: after a dev clock advance, what fell due goes at once.
func (c *Client) SweepLifecycle(ctx context.Context) (*adminwire.LifecycleSweep, error) {
	var out adminwire.LifecycleSweep
	if err := c.do(ctx, http.MethodPost, "lifecycle/sweep", "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RevokeURL refuses one presigned URL or POST form from now on (POST
// …/urls/revoke), and its SigV2 twin with it.
func (c *Client) RevokeURL(ctx context.Context, req adminwire.RevokeURLRequest) (*adminwire.URLRevocations, error) {
	return c.urlRevocations(ctx, http.MethodPost, "urls/revoke", req)
}

// RevokeSigner refuses every presigned URL and form a principal signed
// before a time (POST …/urls/revoke-signer).
func (c *Client) RevokeSigner(ctx context.Context, req adminwire.RevokeSignerRequest) (*adminwire.URLRevocations, error) {
	return c.urlRevocations(ctx, http.MethodPost, "urls/revoke-signer", req)
}

// URLRevocations lists the denylist's live entries (GET
// …/urls/revocations).
func (c *Client) URLRevocations(ctx context.Context) (*adminwire.URLRevocations, error) {
	return c.urlRevocations(ctx, http.MethodGet, "urls/revocations", nil)
}

func (c *Client) urlRevocations(ctx context.Context, method, path string, req any) (*adminwire.URLRevocations, error) {
	var body []byte
	if req != nil {
		var err error
		if body, err = json.Marshal(req); err != nil {
			return nil, err
		}
	}
	var out adminwire.URLRevocations
	if err := c.do(ctx, method, path, "", body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// URLUses answers GET …/urls/uses: the newest limit uses (0: the
// server's default, 50) of the presigned link with fingerprint p, most
// recent first, as the node asked keeps them.
func (c *Client) URLUses(ctx context.Context, p sigprint.Print, limit int) (*adminwire.URLUses, error) {
	if p.IsZero() {
		return nil, errors.New("adminclient: no fingerprint: the URL or form carries no signature")
	}
	q := url.Values{"fingerprint": {p.String()}}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out adminwire.URLUses
	if err := c.do(ctx, http.MethodGet, adminwire.URLUsesPath, q.Encode(), nil, &out); err != nil {
		return nil, err
	}
	if out.Uses == nil {
		out.Uses = []adminwire.URLUse{}
	}
	return &out, nil
}
