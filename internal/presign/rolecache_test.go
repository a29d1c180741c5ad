package presign

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"signet/internal/clock"
	"signet/internal/presign/presigntest"
)

// The AWS CLI's cache file names for four sets of AssumeRole arguments, as
// botocore 1.43 computes them (AssumeRoleCredentialFetcher(...)._cache_key,
// the SHA-1 of json.dumps(args, sort_keys=True)): quotes, backslashes, HTML
// characters, non-ASCII, astral and control characters included.
func TestRoleCacheKeyIsTheAWSCLIs(t *testing.T) {
	const arn = "arn:aws:iam::123456789012:role/reader"
	for _, c := range []struct {
		args RoleArgs
		want string
	}{
		{RoleArgs{RoleARN: arn}, "b0b1ce16bb62e7ab13aa0f2f057f59d4d18ae346"},
		{RoleArgs{RoleARN: arn, RoleSessionName: "ci"}, "460edba303872bc483956c93c025fc8f422116ff"},
		{RoleArgs{RoleARN: arn, RoleSessionName: "ci", DurationSeconds: 43200, ExternalID: `ext-"id"\<&>`,
			SerialNumber: "arn:aws:iam::123456789012:mfa/alice"}, "c0e952f3ad7d2ecbea1a8f74b4c0cf9c467c34d3"},
		{RoleArgs{RoleARN: "arn:aws:iam::123456789012:role/léa", RoleSessionName: "café\t😀\x7f"}, "1804b4e3c83edc3688d9511e0ba7e6b6a1766f8a"},
	} {
		if got := c.args.CacheKey(); got != c.want {
			t.Errorf("%+v: key %s, want %s", c.args, got, c.want)
		}
	}
}

const cacheRoleARN = "arn:aws:iam::123456789012:role/reader"

// cacheSetup is a role profile with role_session_name and
// duration_seconds, assumed at a fake STS, and the path of its cache file.
func cacheSetup(t *testing.T) (*presigntest.Env, *presigntest.STS, string) {
	e := presigntest.Isolate(t)
	sts := presigntest.NewSTS(t, map[string]string{userKey: userSecret}, sessionFromFake)
	e.WriteConfig(t, "[profile reader]\nrole_arn = "+cacheRoleARN+"\nsource_profile = alice\nrole_session_name = ci\nduration_seconds = 43200\n")
	e.WriteCredentials(t, "[alice]\naws_access_key_id = "+userKey+"\naws_secret_access_key = "+userSecret+"\n")
	key := RoleArgs{RoleARN: cacheRoleARN, RoleSessionName: "ci", DurationSeconds: 43200}.CacheKey()
	return e, sts, filepath.Join(e.Home, ".aws", "cli", "cache", key+".json")
}

// Ten resolutions of a role profile make one AssumeRole; the nine others
// read the session from the AWS CLI's cache file, which is 0600 in a 0700
// directory and holds the AssumeRole response in the AWS CLI's format.
func TestRoleCacheTenResolutionsOneAssumeRole(t *testing.T) {
	_, sts, path := cacheSetup(t)
	now := clock.NewFake(sessionFromFake.Expiration.Add(-12 * time.Hour))
	w := Where{Profile: "reader", EndpointURL: sts.URL, Now: now.Now}
	for i := range 10 {
		id := resolve(t, w).Identity
		if id.AccessKeyID != sessionFromFake.AccessKeyID || id.SecretAccessKey.Reveal() != sessionFromFake.SecretAccessKey ||
			id.SessionToken != sessionFromFake.SessionToken || !id.Expires.Equal(sessionFromFake.Expiration) {
			t.Fatalf("resolution %d: %+v", i, id)
		}
		wantSource := `profile "reader" (role ` + cacheRoleARN + ` assumed with source_profile "alice")`
		if i > 0 {
			wantSource = `profile "reader" (role ` + cacheRoleARN + ` assumed with source_profile "alice", cached in ~/.aws/cli/cache/` + filepath.Base(path) + `)`
		}
		if id.Source != wantSource {
			t.Errorf("resolution %d: source %q, want %q", i, id.Source, wantSource)
		}
		now.Advance(time.Minute)
	}
	if calls := sts.Calls(); len(calls) != 1 || calls[0].Get("RoleSessionName") != "ci" || calls[0].Get("DurationSeconds") != "43200" {
		t.Errorf("STS calls %v, want one AssumeRole", calls)
	}

	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("cache file: %v, mode %v; want 0600", err, st.Mode().Perm())
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("cache directory: %v, mode %v; want 0700", err, st.Mode().Perm())
	}
	var doc struct {
		Credentials struct {
			AccessKeyId, SecretAccessKey, SessionToken, Expiration, AccountId string
		}
		AssumedRoleUser  struct{ AssumedRoleId, Arn string }
		ResponseMetadata struct {
			RequestId      string
			HTTPStatusCode int
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("cache file: %v\n%s", err, data)
	}
	c := doc.Credentials
	if c.AccessKeyId != sessionFromFake.AccessKeyID || c.SecretAccessKey != sessionFromFake.SecretAccessKey ||
		c.SessionToken != sessionFromFake.SessionToken || c.Expiration != "2031-01-02T03:04:05Z" || c.AccountId != "123456789012" ||
		doc.AssumedRoleUser.Arn != "arn:aws:sts::123456789012:assumed-role/reader/ci" || doc.AssumedRoleUser.AssumedRoleId != "AROAFAKEROLE:ci" ||
		doc.ResponseMetadata.RequestId != "fake-sts" || doc.ResponseMetadata.HTTPStatusCode != 200 {
		t.Errorf("cache file:\n%s", data)
	}
}

// awsCLIEntry is a cache file as the AWS CLI v1 writes it (botocore's
// JSONFileCache: the AssumeRole response with the account ID added and the
// HTTP metadata kept; the expiration as STS sent it, or with its zone
// written "UTC" when the CLI parses timestamps).
func awsCLIEntry(key, secret, token, expiration string) string {
	return `{"Credentials": {"AccessKeyId": "` + key + `", "SecretAccessKey": "` + secret + `", "SessionToken": "` + token +
		`", "Expiration": "` + expiration + `", "AccountId": "123456789012"}, "AssumedRoleUser": {"AssumedRoleId": "AROAFAKEROLE:ci", ` +
		`"Arn": "arn:aws:sts::123456789012:assumed-role/reader/ci"}, "ResponseMetadata": {"RequestId": "5d4bc2b1-7c3e-4f0a-9b61-0c6f1d2e3a4b", ` +
		`"HTTPStatusCode": 200, "HTTPHeaders": {"x-amzn-requestid": "5d4bc2b1-7c3e-4f0a-9b61-0c6f1d2e3a4b", "content-type": "text/xml", ` +
		`"content-length": "1042", "date": "Fri, 27 Nov 2026 09:00:00 GMT"}, "RetryAttempts": 0}}`
}

func writeEntry(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// A session the AWS CLI cached is used as it is, without calling STS,
// whichever way its expiration is written (with STS's milliseconds too).
func TestRoleCacheReadsTheAWSCLIsEntry(t *testing.T) {
	for _, exp := range []string{"2026-11-27T21:00:00UTC", "2026-11-27T21:00:00Z", "2026-11-27T21:00:00.000Z", "2026-11-27T21:00:00+00:00", "2026-11-27T22:00:00+01:00"} {
		t.Run(exp, func(t *testing.T) {
			_, sts, path := cacheSetup(t)
			writeEntry(t, path, awsCLIEntry("ASIACACHEDBYAWSCLI01", "cachedSecret/000000000000000000000000000", "cached-token", exp))
			now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
			id := resolve(t, Where{Profile: "reader", EndpointURL: sts.URL, Now: func() time.Time { return now }}).Identity
			if id.AccessKeyID != "ASIACACHEDBYAWSCLI01" || id.SecretAccessKey.Reveal() != "cachedSecret/000000000000000000000000000" ||
				id.SessionToken != "cached-token" || !id.Expires.Equal(time.Date(2026, 11, 27, 21, 0, 0, 0, time.UTC)) ||
				!strings.Contains(id.Source, "cached in ~/.aws/cli/cache/") || id.Profile != "reader" {
				t.Errorf("identity %+v", id)
			}
			if calls := sts.Calls(); len(calls) != 0 {
				t.Errorf("STS was called %d times", len(calls))
			}
		})
	}
}

// An entry is used while at least 15 minutes (the AWS CLI's margin) are
// left; from a second later the role is assumed again and the file holds
// the new session.
func TestRoleCacheReplacesAnEntryNearItsEnd(t *testing.T) {
	_, sts, path := cacheSetup(t)
	end := time.Date(2026, 11, 27, 21, 0, 0, 0, time.UTC)
	writeEntry(t, path, awsCLIEntry("ASIACACHEDBYAWSCLI01", "cachedSecret/000000000000000000000000000", "cached-token", "2026-11-27T21:00:00UTC"))
	now := clock.NewFake(end.Add(-RoleCacheMargin))
	w := Where{Profile: "reader", EndpointURL: sts.URL, Now: now.Now}
	if id := resolve(t, w).Identity; id.AccessKeyID != "ASIACACHEDBYAWSCLI01" || len(sts.Calls()) != 0 {
		t.Fatalf("15 minutes before the end: %+v, %d STS calls; want the cached session", id, len(sts.Calls()))
	}
	now.Advance(time.Second)
	if id := resolve(t, w).Identity; id.AccessKeyID != sessionFromFake.AccessKeyID || len(sts.Calls()) != 1 {
		t.Fatalf("14m59s before the end: %+v, %d STS calls; want a new session", id, len(sts.Calls()))
	}
	if creds, ok := readRoleCache(path, now.Now()); !ok || creds.AccessKeyID != sessionFromFake.AccessKeyID {
		t.Errorf("the file holds %+v (usable %v), want the new session", creds, ok)
	}
	// An entry already past its end is replaced too.
	writeEntry(t, path, awsCLIEntry("ASIACACHEDBYAWSCLI01", "cachedSecret/000000000000000000000000000", "cached-token", "2026-11-27T08:00:00UTC"))
	if id := resolve(t, w).Identity; id.AccessKeyID != sessionFromFake.AccessKeyID || len(sts.Calls()) != 2 {
		t.Errorf("an expired entry: %+v, %d STS calls", id, len(sts.Calls()))
	}
}

// A file that is not a usable entry is ignored, and replaced by the new
// session, 0600.
func TestRoleCacheReplacesACorruptEntry(t *testing.T) {
	for name, text := range map[string]string{
		"not JSON":        `{"Credentials": {"AccessKeyId": "ASIA`,
		"no secret":       `{"Credentials": {"AccessKeyId": "ASIACACHEDBYAWSCLI01", "SessionToken": "t", "Expiration": "2031-01-01T00:00:00Z"}}`,
		"no expiration":   `{"Credentials": {"AccessKeyId": "ASIACACHEDBYAWSCLI01", "SecretAccessKey": "s", "SessionToken": "t"}}`,
		"bad expiration":  `{"Credentials": {"AccessKeyId": "ASIACACHEDBYAWSCLI01", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "tomorrow"}}`,
		"wrong JSON type": `["Credentials"]`,
	} {
		t.Run(name, func(t *testing.T) {
			_, sts, path := cacheSetup(t)
			writeEntry(t, path, text)
			if err := os.Chmod(path, 0o644); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
			id := resolve(t, Where{Profile: "reader", EndpointURL: sts.URL, Now: func() time.Time { return now }}).Identity
			if id.AccessKeyID != sessionFromFake.AccessKeyID || len(sts.Calls()) != 1 {
				t.Fatalf("%+v, %d STS calls", id, len(sts.Calls()))
			}
			if creds, ok := readRoleCache(path, now); !ok || creds.AccessKeyID != sessionFromFake.AccessKeyID {
				t.Errorf("the file was not rewritten: %+v", creds)
			}
			if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("rewritten file: %v, mode %v", err, st.Mode().Perm())
			}
		})
	}
}

// A role profile with mfa_serial asks for a code once; while the session
// is cached, not again.
func TestRoleCacheSparesTheMFAPrompt(t *testing.T) {
	const serial = "arn:aws:iam::123456789012:mfa/alice"
	e, sts, _ := cacheSetup(t)
	e.WriteConfig(t, "[profile reader]\nrole_arn = "+cacheRoleARN+"\nsource_profile = alice\nmfa_serial = "+serial+"\n")
	asked := 0
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	w := Where{Profile: "reader", EndpointURL: sts.URL, Now: func() time.Time { return now },
		MFACode: func(string) (string, error) { asked++; return "123456", nil }}
	for range 3 {
		resolve(t, w)
	}
	if calls := sts.Calls(); asked != 1 || len(calls) != 1 || calls[0].Get("TokenCode") != "123456" {
		t.Errorf("asked for a code %d times; STS calls %v", asked, calls)
	}
	want := RoleArgs{RoleARN: cacheRoleARN, SerialNumber: serial}.CacheKey() + ".json"
	if _, err := os.Stat(filepath.Join(e.Home, ".aws", "cli", "cache", want)); err != nil {
		t.Errorf("the MFA profile's entry: %v", err)
	}
}

// Credentials that are not a role profile's are never cached: nothing is
// written for an IAM user's key.
func TestRoleCacheOnlyForRoles(t *testing.T) {
	e := presigntest.Isolate(t)
	e.WriteCredentials(t, "[default]\naws_access_key_id = "+userKey+"\naws_secret_access_key = "+userSecret+"\n")
	resolve(t, Where{})
	if _, err := os.Stat(filepath.Join(e.Home, ".aws", "cli")); !os.IsNotExist(err) {
		t.Errorf("~/.aws/cli after resolving a user's key: %v", err)
	}
}
