// Package presigntest has what tests of `signet presign` share: a private
// AWS environment, and fake STS, instance-metadata and container-credential
// endpoints, in process.
package presigntest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"signet/internal/secret"
	"signet/internal/sigv4"
)

// awsVariables are cleared by Isolate: every AWS_* setting the SDK reads,
// and proxies.
var awsVariables = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION",
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
	"AWS_CA_BUNDLE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_STS", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
	"AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME", "AWS_WEB_IDENTITY_TOKEN_FILE",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	"AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "AWS_EC2_METADATA_V1_DISABLED",
	"AWS_STS_REGIONAL_ENDPOINTS", "AWS_SDK_LOAD_CONFIG", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE",
	"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "NO_PROXY", "no_proxy",
}

// Env is a private AWS environment: HOME is a temporary directory holding
// .aws/config and .aws/credentials (empty), which AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE name; every other AWS_* variable is unset,
// and instance metadata is disabled (set AWS_EC2_METADATA_DISABLED to ""
// to use a fake).
type Env struct {
	Home            string
	ConfigFile      string
	CredentialsFile string
}

// Isolate builds the environment with t.Setenv, so it ends with the test
// (and the test may not be parallel).
func Isolate(t testing.TB) *Env {
	t.Helper()
	home := t.TempDir()
	e := &Env{Home: home, ConfigFile: filepath.Join(home, ".aws", "config"), CredentialsFile: filepath.Join(home, ".aws", "credentials")}
	if err := os.MkdirAll(filepath.Dir(e.ConfigFile), 0o700); err != nil {
		t.Fatal(err)
	}
	e.WriteConfig(t, "")
	e.WriteCredentials(t, "")
	for _, k := range awsVariables {
		t.Setenv(k, "")
		os.Unsetenv(k) // "" and unset differ to the SDK for some variables
	}
	t.Setenv("HOME", home)
	t.Setenv("AWS_CONFIG_FILE", e.ConfigFile)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", e.CredentialsFile)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return e
}

// WriteConfig replaces ~/.aws/config.
func (e *Env) WriteConfig(t testing.TB, text string) {
	t.Helper()
	write(t, e.ConfigFile, text, 0o600)
}

// WriteCredentials replaces ~/.aws/credentials.
func (e *Env) WriteCredentials(t testing.TB, text string) {
	t.Helper()
	write(t, e.CredentialsFile, text, 0o600)
}

// CredentialProcess writes a credential_process script into HOME that
// prints v as JSON, and returns the line for the profile.
func (e *Env) CredentialProcess(t testing.TB, name string, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(e.Home, name+".json")
	write(t, data, string(b), 0o600)
	return "credential_process = cat " + data
}

func write(t testing.TB, path, text string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
}

// ProcessCredentials is what a credential_process prints.
type ProcessCredentials struct {
	Version         int
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string
	SessionToken    string `json:",omitempty"`
	Expiration      string `json:",omitempty"`
}

// Key is an access key a fake knows.
type Key struct{ ID, Secret string }

// Session is what a fake issues.
type Session struct {
	AccessKeyID, SecretAccessKey, SessionToken string
	Expiration                                 time.Time
}

// STS is a fake STS endpoint answering AssumeRole. It verifies each
// request's SigV4 signature against its known keys, records the calls, and
// issues Issue, or answers Refuse.
type STS struct {
	*httptest.Server
	Keys   map[string]string // access key ID -> secret
	Issue  Session
	Refuse *STSError

	mu    sync.Mutex
	calls []url.Values
}

// STSError is an error an STS answers with.
type STSError struct {
	Status        int
	Code, Message string
}

// NewSTS starts a fake STS; it closes with the test.
func NewSTS(t testing.TB, keys map[string]string, issue Session) *STS {
	s := &STS{Keys: keys, Issue: issue}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Calls returns the forms of the verified requests.
func (s *STS) Calls() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]url.Values(nil), s.calls...)
}

func (s *STS) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := sigv4.FromHTTP(r)
	a, err := sigv4.ParseHeader(req)
	if err != nil {
		stsError(w, STSError{400, "MissingAuthenticationToken", "Request is missing Authentication Token"})
		return
	}
	sk, ok := s.Keys[a.AccessKeyID]
	if !ok || a.Scope.Service != "sts" {
		stsError(w, STSError{403, "InvalidClientTokenId", "The security token included in the request is invalid."})
		return
	}
	if a.PayloadHash == "" {
		a.PayloadHash = sigv4.HexSHA256(body)
	}
	if _, err := sigv4.Verify(req, a, sigv4.SigningKey(secret.New(sk), a.Scope), sigv4.Generic); err != nil || a.PayloadHash != sigv4.HexSHA256(body) {
		stsError(w, STSError{403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."})
		return
	}
	form, _ := url.ParseQuery(string(body))
	s.mu.Lock()
	s.calls = append(s.calls, form)
	refuse := s.Refuse
	s.mu.Unlock()
	if form.Get("Action") != "AssumeRole" {
		stsError(w, STSError{400, "InvalidAction", "Could not find operation " + form.Get("Action")})
		return
	}
	if refuse != nil {
		stsError(w, *refuse)
		return
	}
	roleARN, name := form.Get("RoleArn"), form.Get("RoleSessionName")
	assumed := strings.Replace(strings.Replace(roleARN, ":iam:", ":sts:", 1), ":role/", ":assumed-role/", 1) + "/" + name
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", "fake-sts") // as AWS's STS sends it, beside the body's
	fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>`+
		`<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey><SessionToken>%s</SessionToken><Expiration>%s</Expiration></Credentials>`+
		`<AssumedRoleUser><Arn>%s</Arn><AssumedRoleId>AROAFAKEROLE:%s</AssumedRoleId></AssumedRoleUser>`+
		`</AssumeRoleResult><ResponseMetadata><RequestId>fake-sts</RequestId></ResponseMetadata></AssumeRoleResponse>`,
		s.Issue.AccessKeyID, s.Issue.SecretAccessKey, s.Issue.SessionToken, s.Issue.Expiration.UTC().Format(time.RFC3339), assumed, name)
}

func stsError(w http.ResponseWriter, e STSError) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(e.Status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>fake-sts</RequestId></ErrorResponse>`, e.Code, e.Message)
}

// IMDS is a fake EC2 instance-metadata service (IMDSv2) serving one role's
// credentials.
type IMDS struct {
	*httptest.Server
	Role    string
	Session Session
	hits    atomic.Int64
}

// Hits is how many requests the service has had.
func (m *IMDS) Hits() int64 { return m.hits.Load() }

// NewIMDS starts a fake instance-metadata service; point
// AWS_EC2_METADATA_SERVICE_ENDPOINT at its URL.
func NewIMDS(t testing.TB, role string, s Session) *IMDS {
	m := &IMDS{Role: role, Session: s}
	m.Server = httptest.NewServer(http.HandlerFunc(m.serve))
	t.Cleanup(m.Close)
	return m
}

const imdsToken = "fake-imds-token"

func (m *IMDS) serve(w http.ResponseWriter, r *http.Request) {
	m.hits.Add(1)
	if r.Method == http.MethodPut && r.URL.Path == "/latest/api/token" {
		w.Header().Set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", r.Header.Get("X-Aws-Ec2-Metadata-Token-Ttl-Seconds"))
		io.WriteString(w, imdsToken)
		return
	}
	if r.Header.Get("X-Aws-Ec2-Metadata-Token") != imdsToken {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	switch r.URL.Path {
	case "/latest/meta-data/iam/security-credentials/":
		io.WriteString(w, m.Role)
	case "/latest/meta-data/iam/security-credentials/" + m.Role:
		json.NewEncoder(w).Encode(map[string]string{
			"Code": "Success", "Type": "AWS-HMAC", "LastUpdated": m.Session.Expiration.Add(-6 * time.Hour).UTC().Format(time.RFC3339),
			"AccessKeyId": m.Session.AccessKeyID, "SecretAccessKey": m.Session.SecretAccessKey, "Token": m.Session.SessionToken,
			"Expiration": m.Session.Expiration.UTC().Format(time.RFC3339),
		})
	default:
		http.NotFound(w, r)
	}
}

// Container is a fake container credentials endpoint (ECS, EKS Pod
// Identity); point AWS_CONTAINER_CREDENTIALS_FULL_URI at URL+"/creds".
type Container struct {
	*httptest.Server
	Token   string // required in Authorization when set
	Session Session
}

// NewContainer starts a fake container credentials endpoint.
func NewContainer(t testing.TB, token string, s Session) *Container {
	c := &Container{Token: token, Session: s}
	c.Server = httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(c.Close)
	return c
}

func (c *Container) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/creds" {
		http.NotFound(w, r)
		return
	}
	if c.Token != "" && r.Header.Get("Authorization") != c.Token {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"code":"AccessDenied","message":"bad token"}`)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{
		"AccessKeyId": c.Session.AccessKeyID, "SecretAccessKey": c.Session.SecretAccessKey, "Token": c.Session.SessionToken,
		"Expiration": c.Session.Expiration.UTC().Format(time.RFC3339),
	})
}
