package presign

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"signet/internal/presign/presigntest"
)

// These tests set environment variables: none may run in parallel.

var sessionFromFake = presigntest.Session{
	AccessKeyID: "ASIAFAKESESSION00001", SecretAccessKey: "fakeSessionSecret/000000000000000000000", SessionToken: "fake-session-token",
	Expiration: time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC),
}

func resolve(t *testing.T, w Where) *Resolved {
	t.Helper()
	r, err := Resolve(t.Context(), w)
	if err != nil {
		t.Fatalf("Resolve(%+v): %v", w, err)
	}
	return r
}

func TestResolveSharedCredentialsProfile(t *testing.T) {
	e := presigntest.Isolate(t)
	e.WriteCredentials(t, "[default]\naws_access_key_id = "+userKey+"\naws_secret_access_key = "+userSecret+"\n")
	r := resolve(t, Where{})
	id := r.Identity
	if id.AccessKeyID != userKey || id.SecretAccessKey.Reveal() != userSecret || id.Temporary() || id.Profile != "default" {
		t.Errorf("identity %+v", id)
	}
	if want := `shared credentials file ~/.aws/credentials, profile "default"`; id.Source != want {
		t.Errorf("source %q, want %q", id.Source, want)
	}
	if r.Endpoint != nil || r.Region != "us-east-1" {
		t.Errorf("endpoint %v region %q: want AWS in us-east-1", r.Endpoint, r.Region)
	}
}

func TestResolveKeysInConfigFile(t *testing.T) {
	e := presigntest.Isolate(t)
	e.WriteConfig(t, "[profile ops]\nregion = eu-west-2\naws_access_key_id = "+userKey+"\naws_secret_access_key = "+userSecret+"\n")
	r := resolve(t, Where{Profile: "ops"})
	if want := `shared config file ~/.aws/config, profile "ops"`; r.Identity.Source != want || r.Region != "eu-west-2" {
		t.Errorf("source %q region %q; want %q in eu-west-2", r.Identity.Source, r.Region, want)
	}
	if r := resolve(t, Where{Profile: "ops", Region: "ap-south-1"}); r.Region != "ap-south-1" {
		t.Errorf("--region: %q", r.Region)
	}
}

func TestResolveEnvironment(t *testing.T) {
	presigntest.Isolate(t)
	t.Setenv("AWS_ACCESS_KEY_ID", sessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", sessSecret)
	t.Setenv("AWS_SESSION_TOKEN", sessToken)
	id := resolve(t, Where{}).Identity
	if id.Source != "environment variables" || id.Profile != "" || id.SessionToken != sessToken || !id.ExpiryUnknown() {
		t.Errorf("identity %+v: want a session of unknown expiry from the environment", id)
	}
}

// Endpoint precedence: --endpoint-url, then AWS_ENDPOINT_URL_S3 (or the
// profile's services s3 endpoint_url), then AWS_ENDPOINT_URL (or the
// profile's endpoint_url); AWS_IGNORE_CONFIGURED_ENDPOINT_URLS drops all
// but the flag.
func TestResolveEndpoint(t *testing.T) {
	e := presigntest.Isolate(t)
	t.Setenv("AWS_ACCESS_KEY_ID", userKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", userSecret)
	e.WriteConfig(t, "[default]\nendpoint_url = http://profile:1\n\n[profile svc]\nservices = local\n\n[services local]\ns3 =\n  endpoint_url = http://services-s3:2\n")
	e.WriteCredentials(t, "[svc]\naws_access_key_id = "+userKey+"\naws_secret_access_key = "+userSecret+"\n")
	check := func(what string, w Where, want string) {
		t.Helper()
		got := "AWS"
		if r := resolve(t, w); r.Endpoint != nil {
			got = r.Endpoint.String()
		}
		if got != want {
			t.Errorf("%s: endpoint %s, want %s", what, got, want)
		}
	}
	check("profile endpoint_url", Where{}, "http://profile:1")
	check("profile services s3", Where{Profile: "svc"}, "http://services-s3:2")
	t.Setenv("AWS_ENDPOINT_URL", "http://env:3")
	check("AWS_ENDPOINT_URL beats the profile", Where{}, "http://env:3")
	t.Setenv("AWS_ENDPOINT_URL_S3", "http://env-s3:4")
	check("AWS_ENDPOINT_URL_S3", Where{}, "http://env-s3:4")
	check("--endpoint-url beats all", Where{EndpointURL: "http://flag:5"}, "http://flag:5")
	t.Setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
	check("ignored configured endpoints", Where{}, "AWS")
	check("the flag is not configuration", Where{EndpointURL: "http://flag:5"}, "http://flag:5")

	_, err := Resolve(t.Context(), Where{EndpointURL: "localhost:9000"})
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "--endpoint-url") {
		t.Errorf("bad --endpoint-url: %v", err)
	}
}

func TestResolveMissingProfileIsConfigError(t *testing.T) {
	presigntest.Isolate(t)
	_, err := Resolve(t.Context(), Where{Profile: "nope"})
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("Resolve with a missing profile: %v", err)
	}
}

func TestResolveNoCredentials(t *testing.T) {
	presigntest.Isolate(t)
	// Instance metadata is disabled (AWS_EC2_METADATA_DISABLED=true), so
	// the chain must not wait on it: no request reaches this one.
	m := presigntest.NewIMDS(t, "web-server", presigntest.Session{})
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", m.URL)
	_, err := Resolve(t.Context(), Where{})
	var cre *CredentialsError
	if !errors.As(err, &cre) || !strings.HasPrefix(cre.Msg, "no credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass --profile") || cre.Hint != "" {
		t.Fatalf("%#v", err)
	}
	if n := m.Hits(); n != 0 {
		t.Errorf("instance metadata was asked %d times while disabled", n)
	}
	e := presigntest.Isolate(t)
	e.WriteConfig(t, "[profile bare]\nregion = eu-west-1\n")
	_, err = Resolve(t.Context(), Where{Profile: "bare"})
	if !errors.As(err, &cre) || !strings.Contains(cre.Msg, `profile "bare" has none`) {
		t.Fatalf("a profile without credentials: %v", err)
	}
}

// role_arn + source_profile: the role is assumed at the URL's endpoint
// (the SDK alone would go to AWS for an endpoint given by AWS_ENDPOINT_URL
// or the profile), signed with the source profile's key, for the profile's
// duration_seconds; the credentials' expiry is STS's.
func TestResolveAssumeRoleAtEndpoint(t *testing.T) {
	for _, how := range []string{"--endpoint-url", "AWS_ENDPOINT_URL", "profile endpoint_url"} {
		t.Run(how, func(t *testing.T) {
			e := presigntest.Isolate(t)
			sts := presigntest.NewSTS(t, map[string]string{userKey: userSecret}, sessionFromFake)
			cfg := "[profile reader]\nrole_arn = arn:aws:iam::123456789012:role/reader\nsource_profile = alice\nduration_seconds = 43200\nrole_session_name = ci\n"
			w := Where{Profile: "reader"}
			switch how {
			case "--endpoint-url":
				w.EndpointURL = sts.URL
			case "AWS_ENDPOINT_URL":
				t.Setenv("AWS_ENDPOINT_URL", sts.URL)
			default:
				cfg += "endpoint_url = " + sts.URL + "\n"
			}
			e.WriteConfig(t, cfg)
			e.WriteCredentials(t, "[alice]\naws_access_key_id = "+userKey+"\naws_secret_access_key = "+userSecret+"\n")
			r := resolve(t, w)
			id := r.Identity
			if id.AccessKeyID != sessionFromFake.AccessKeyID || id.SessionToken != sessionFromFake.SessionToken || !id.Expires.Equal(sessionFromFake.Expiration) {
				t.Errorf("identity %+v", id)
			}
			want := `profile "reader" (role arn:aws:iam::123456789012:role/reader assumed with source_profile "alice")`
			if id.Source != want || id.Profile != "reader" {
				t.Errorf("source %q profile %q; want %q", id.Source, id.Profile, want)
			}
			calls := sts.Calls()
			if len(calls) != 1 || calls[0].Get("RoleArn") != "arn:aws:iam::123456789012:role/reader" ||
				calls[0].Get("DurationSeconds") != "43200" || calls[0].Get("RoleSessionName") != "ci" {
				t.Errorf("STS calls %v", calls)
			}
		})
	}
}

// An STS endpoint of its own wins over the URL's endpoint; without
// duration_seconds the session asked for is STS's default hour, as the AWS
// CLI asks.
func TestResolveAssumeRoleAtSTSEndpoint(t *testing.T) {
	e := presigntest.Isolate(t)
	sts := presigntest.NewSTS(t, map[string]string{userKey: userSecret}, sessionFromFake)
	t.Setenv("AWS_ENDPOINT_URL_STS", sts.URL)
	e.WriteConfig(t, "[profile reader]\nrole_arn = arn:aws:iam::123456789012:role/reader\nsource_profile = alice\n")
	e.WriteCredentials(t, "[alice]\naws_access_key_id = "+userKey+"\naws_secret_access_key = "+userSecret+"\n")
	r := resolve(t, Where{Profile: "reader", EndpointURL: "http://127.0.0.1:1"})
	if r.Endpoint.String() != "http://127.0.0.1:1" || len(sts.Calls()) != 1 || sts.Calls()[0].Get("DurationSeconds") != "3600" {
		t.Errorf("endpoint %v, STS calls %v", r.Endpoint, sts.Calls())
	}
}

// mfa_serial: the role is assumed with the device's serial and the code
// MFACode gives for it, asked once; without MFACode the profile is refused.
func TestResolveAssumeRoleWithMFA(t *testing.T) {
	const serial = "arn:aws:iam::123456789012:mfa/alice"
	e := presigntest.Isolate(t)
	sts := presigntest.NewSTS(t, map[string]string{userKey: userSecret}, sessionFromFake)
	e.WriteConfig(t, "[profile reader]\nrole_arn = arn:aws:iam::123456789012:role/reader\nsource_profile = alice\nmfa_serial = "+serial+"\n")
	e.WriteCredentials(t, "[alice]\naws_access_key_id = "+userKey+"\naws_secret_access_key = "+userSecret+"\n")
	var asked []string
	w := Where{Profile: "reader", EndpointURL: sts.URL, MFACode: func(s string) (string, error) {
		asked = append(asked, s)
		return "123456", nil
	}}
	r := resolve(t, w)
	calls := sts.Calls()
	if len(asked) != 1 || asked[0] != serial || len(calls) != 1 || calls[0].Get("SerialNumber") != serial || calls[0].Get("TokenCode") != "123456" {
		t.Errorf("asked %q; STS calls %v", asked, calls)
	}
	if r.Identity.AccessKeyID != sessionFromFake.AccessKeyID {
		t.Errorf("identity %+v", r.Identity)
	}

	// A code that cannot be had is a credentials failure that says so
	// (once the session the first call cached is gone).
	if err := os.RemoveAll(filepath.Join(e.Home, ".aws", "cli", "cache")); err != nil {
		t.Fatal(err)
	}
	w.MFACode = func(string) (string, error) { return "", errors.New("no MFA code given") }
	_, err := Resolve(t.Context(), w)
	var cre *CredentialsError
	if !errors.As(err, &cre) || !strings.Contains(cre.Msg, "no MFA code given") {
		t.Errorf("without a code: %v", err)
	}
}

func TestResolveAssumeRoleRefused(t *testing.T) {
	e := presigntest.Isolate(t)
	sts := presigntest.NewSTS(t, map[string]string{userKey: userSecret}, sessionFromFake)
	sts.Refuse = &presigntest.STSError{Status: 403, Code: "AccessDenied",
		Message: "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/reader"}
	e.WriteConfig(t, "[profile reader]\nrole_arn = arn:aws:iam::123456789012:role/reader\nsource_profile = alice\n")
	e.WriteCredentials(t, "[alice]\naws_access_key_id = "+userKey+"\naws_secret_access_key = "+userSecret+"\n")
	_, err := Resolve(t.Context(), Where{Profile: "reader", EndpointURL: sts.URL})
	var cre *CredentialsError
	if !errors.As(err, &cre) {
		t.Fatalf("%v", err)
	}
	want := `assuming role arn:aws:iam::123456789012:role/reader for profile "reader" at ` + sts.URL + ` failed: AccessDenied: User: arn:aws:iam::123456789012:user/alice is not authorized`
	if !strings.HasPrefix(cre.Msg, want) || !strings.Contains(cre.Hint, "trust policy") {
		t.Errorf("msg %q\nhint %q", cre.Msg, cre.Hint)
	}

	// A key the STS does not know.
	e.WriteCredentials(t, "[alice]\naws_access_key_id = AKIANOBODY0000000000\naws_secret_access_key = x\n")
	sts.Refuse = nil
	_, err = Resolve(t.Context(), Where{Profile: "reader", EndpointURL: sts.URL})
	if !errors.As(err, &cre) || !strings.Contains(cre.Msg, "InvalidClientTokenId") || !strings.Contains(cre.Hint, "does not know the source profile's access key") {
		t.Errorf("unknown key: %v / %q", err, cre.Hint)
	}
}

func TestResolveCredentialProcess(t *testing.T) {
	e := presigntest.Isolate(t)
	withExp := e.CredentialProcess(t, "gst", presigntest.ProcessCredentials{Version: 1, AccessKeyID: sessKey, SecretAccessKey: sessSecret, SessionToken: sessToken, Expiration: "2031-01-02T03:04:05Z"})
	without := e.CredentialProcess(t, "bare", presigntest.ProcessCredentials{Version: 1, AccessKeyID: sessKey, SecretAccessKey: sessSecret, SessionToken: sessToken})
	e.WriteConfig(t, "[profile gst]\n"+withExp+"\n\n[profile bare]\n"+without+"\n\n[profile broken]\ncredential_process = false\n")

	id := resolve(t, Where{Profile: "gst"}).Identity
	if id.Source != `credential_process of profile "gst"` || !id.Expires.Equal(time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)) || id.ExpiryUnknown() {
		t.Errorf("with Expiration: %+v", id)
	}
	id = resolve(t, Where{Profile: "bare"}).Identity
	if !id.ExpiryUnknown() {
		t.Errorf("without Expiration: %+v", id)
	}
	_, err := Resolve(t.Context(), Where{Profile: "broken"})
	var cre *CredentialsError
	if !errors.As(err, &cre) || !strings.HasPrefix(cre.Msg, `getting credentials from credential_process of profile "broken" failed`) || !strings.Contains(cre.Hint, "Run the command yourself") {
		t.Errorf("failing process: %v", err)
	}
}

// Instance metadata is consulted (it is off for the admin commands), at
// the address AWS_EC2_METADATA_SERVICE_ENDPOINT gives, and the expiry is the
// one the metadata service states, not the SDK's one-hour refresh cap.
func TestResolveInstanceMetadata(t *testing.T) {
	presigntest.Isolate(t)
	m := presigntest.NewIMDS(t, "web-server", sessionFromFake)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "")
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", m.URL)
	id := resolve(t, Where{}).Identity
	if id.AccessKeyID != sessionFromFake.AccessKeyID || id.SessionToken != sessionFromFake.SessionToken {
		t.Fatalf("identity %+v", id)
	}
	if !id.Expires.Equal(sessionFromFake.Expiration) {
		t.Errorf("expires %v, want the metadata service's %v", id.Expires, sessionFromFake.Expiration)
	}
	if id.Source != `instance metadata, role "web-server"` || id.Profile != "" {
		t.Errorf("source %q profile %q", id.Source, id.Profile)
	}

	// AWS_EC2_METADATA_DISABLED is honoured.
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	_, err := Resolve(t.Context(), Where{})
	var cre *CredentialsError
	if !errors.As(err, &cre) || !strings.HasPrefix(cre.Msg, "no credentials found") {
		t.Errorf("with instance metadata disabled: %v", err)
	}
}

// The container endpoint's expiry is taken as served: the SDK would end the
// credentials five minutes early.
func TestResolveContainerEndpoint(t *testing.T) {
	presigntest.Isolate(t)
	c := presigntest.NewContainer(t, "Bearer pod-token", sessionFromFake)
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", c.URL+"/creds")
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer pod-token")
	id := resolve(t, Where{}).Identity
	if id.AccessKeyID != sessionFromFake.AccessKeyID || !id.Expires.Equal(sessionFromFake.Expiration) || id.Source != "the container credentials endpoint" {
		t.Errorf("identity %+v", id)
	}
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer wrong")
	_, err := Resolve(t.Context(), Where{})
	var cre *CredentialsError
	if !errors.As(err, &cre) || !strings.Contains(cre.Msg, "container credentials endpoint") {
		t.Errorf("refused token: %v", err)
	}
}
