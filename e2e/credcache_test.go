package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"signet/internal/presign"
)

// The AWS CLI and `signet presign` share assumed-role sessions through the
// AWS CLI's cache (~/.aws/cli/cache): a session the AWS CLI assumed and
// cached is what signet signs with, and a session signet cached is what the
// AWS CLI calls with, neither making a second AssumeRole.

// cacheEntry is the part of a cache file both tools read.
type cacheEntry struct {
	Credentials struct{ AccessKeyId, SecretAccessKey, SessionToken, Expiration string }
}

// roleSessions lists the server's sessions of the role reader.
func (w *identityWorld) roleSessions(t *testing.T) []string {
	t.Helper()
	var list struct {
		Sessions []struct {
			AccessKeyID string `json:"access_key_id"`
			RoleName    string `json:"role_name"`
		} `json:"sessions"`
	}
	r := w.root.admin(t, w.p, "session", "list", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatalf("session list: %v\n%s", err, r)
	}
	var keys []string
	for _, s := range list.Sessions {
		if s.RoleName == "reader" {
			keys = append(keys, s.AccessKeyID)
		}
	}
	return keys
}

// readCacheEntry reads the one cache file of args, which must be 0600.
func readCacheEntry(t *testing.T, home string, args presign.RoleArgs) (cacheEntry, []byte) {
	t.Helper()
	path := filepath.Join(home, ".aws", "cli", "cache", args.CacheKey()+".json")
	data, err := os.ReadFile(path)
	if err != nil {
		entries, _ := os.ReadDir(filepath.Dir(path))
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("no cache file %s (the cache holds %v): %v", filepath.Base(path), names, err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("cache file %s: %v, mode %v, want 0600", path, err, st.Mode().Perm())
	}
	var e cacheEntry
	if err := json.Unmarshal(data, &e); err != nil || !strings.HasPrefix(e.Credentials.AccessKeyId, "ASIA") || e.Credentials.Expiration == "" {
		t.Fatalf("cache file %s: %v\n%s", path, err, data)
	}
	rememberSecret(e.Credentials.SecretAccessKey)
	rememberSecret(e.Credentials.SessionToken)
	return e, data
}

func TestRoleCacheSharedWithAWSCLI(t *testing.T) {
	t.Parallel()
	w := newPresignWorld(t)
	config := filepath.Join(w.root.home, ".aws", "config")
	appendFile(t, config, "\n[profile by-cli]\nrole_arn = "+w.roleARN+"\nsource_profile = alice\nrole_session_name = by-cli\nregion = us-east-1\n"+
		"\n[profile by-signet]\nrole_arn = "+w.roleARN+"\nsource_profile = alice\nrole_session_name = by-signet\nduration_seconds = 7200\nregion = us-east-1\n")
	// The AWS CLI sends a role profile's AssumeRole to AWS_ENDPOINT_URL
	// (--endpoint-url is for the command's own service only).
	cli := func(profile string) *clientEnv {
		c := w.root.withProfile(profile)
		c.env = append(c.env, "AWS_ENDPOINT_URL="+w.p.endpoint)
		return c
	}

	// The AWS CLI assumes and caches; signet presign signs with its session.
	cli("by-cli").at(t, w.p, "sts", "get-caller-identity")
	byCLI, _ := readCacheEntry(t, w.root.home, presign.RoleArgs{RoleARN: w.roleARN, RoleSessionName: "by-cli"})
	before := w.roleSessions(t)
	link := w.presign(t, w.root, "reader-role", "--profile", "by-cli")
	if link.out.AccessKeyID != byCLI.Credentials.AccessKeyId || !strings.Contains(link.out.CredentialSource, "cached in ~/.aws/cli/cache/") {
		t.Errorf("signet presign signed with %s from %q; want the AWS CLI's cached %s", link.out.AccessKeyID, link.out.CredentialSource, byCLI.Credentials.AccessKeyId)
	}
	w.check(t, link, "valid")

	// signet presign assumes and caches; the AWS CLI calls with its session.
	mine := w.presign(t, w.root, "reader-role", "--profile", "by-signet")
	bySignet, written := readCacheEntry(t, w.root.home, presign.RoleArgs{RoleARN: w.roleARN, RoleSessionName: "by-signet", DurationSeconds: 7200})
	if mine.out.AccessKeyID != bySignet.Credentials.AccessKeyId || strings.Contains(mine.out.CredentialSource, "cached") {
		t.Errorf("signet presign signed with %s from %q; its cache holds %s", mine.out.AccessKeyID, mine.out.CredentialSource, bySignet.Credentials.AccessKeyId)
	}
	var who struct{ Arn string }
	cli("by-signet").atJSON(t, w.p, &who, "sts", "get-caller-identity")
	if !strings.HasSuffix(who.Arn, ":assumed-role/reader/by-signet") {
		t.Errorf("the AWS CLI called as %s, want the role session by-signet", who.Arn)
	}
	_, after := readCacheEntry(t, w.root.home, presign.RoleArgs{RoleARN: w.roleARN, RoleSessionName: "by-signet", DurationSeconds: 7200})
	if string(after) != string(written) {
		t.Errorf("the AWS CLI rewrote signet's cache entry (it assumed the role again):\n%s\nwas\n%s", after, written)
	}

	// Two sessions in all: one each tool assumed, none assumed twice.
	if got := w.roleSessions(t); len(got) != len(before)+1 || len(before) != 1 || before[0] != byCLI.Credentials.AccessKeyId {
		t.Errorf("role sessions: %v before signet's, %v after; want the AWS CLI's then one more", before, got)
	}
}
