package cli

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// key create --profile writes the new key into the shared credentials
// file, next to the sections already there, and the caller's own
// credentials (here the environment's) make the call. A second key for
// the same profile replaces the first in place.
func TestAdminKeyCreateWritesProfile(t *testing.T) {
	e := startSignet(t)
	credentialsFile := os.Getenv("AWS_SHARED_CREDENTIALS_FILE") // set by startSignet
	write(t, credentialsFile, "# kept\n[bob]\naws_access_key_id = AKIAKEEPME\naws_secret_access_key = bobs-secret\n")
	e.must("user", "create", "alice")
	keyOf := func(out string) (string, string) {
		id := regexp.MustCompile(`AWS_ACCESS_KEY_ID=(\S+)`).FindStringSubmatch(out)
		sk := regexp.MustCompile(`AWS_SECRET_ACCESS_KEY=(\S+)`).FindStringSubmatch(out)
		if id == nil || sk == nil {
			t.Fatalf("no key printed:\n%s", out)
		}
		e.secrets = append(e.secrets, sk[1])
		return id[1], sk[1]
	}
	code, out, errs := e.admin("key", "create", "alice", "--profile", "alice")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	id1, sk1 := keyOf(out)
	want := "# kept\n[bob]\naws_access_key_id = AKIAKEEPME\naws_secret_access_key = bobs-secret\n\n[alice]\naws_access_key_id = " + id1 + "\naws_secret_access_key = " + sk1 + "\n"
	if b, _ := os.ReadFile(credentialsFile); string(b) != want {
		t.Fatalf("credentials file:\n%s\nwant:\n%s", b, want)
	}
	if !strings.Contains(errs, "Wrote it to profile [alice] in "+credentialsFile+" (mode 0600): use it with --profile alice.") {
		t.Errorf("stderr does not say where the key went:\n%s", errs)
	}
	if fi, _ := os.Stat(credentialsFile); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}

	code, out, errs = e.admin("key", "create", "alice", "--profile", "alice")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	id2, sk2 := keyOf(out)
	want = strings.NewReplacer(id1, id2, sk1, sk2).Replace(want)
	if b, _ := os.ReadFile(credentialsFile); string(b) != want {
		t.Fatalf("credentials file after a second key:\n%s\nwant:\n%s", b, want)
	}
	if !strings.Contains(errs, ", in place of "+id1+":") {
		t.Errorf("stderr does not name the key replaced:\n%s", errs)
	}
}
