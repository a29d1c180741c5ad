package cli

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSetProfileKey(t *testing.T) {
	cases := []struct {
		name, in, want, replaced string
	}{
		{"empty file", "", "[alice]\naws_access_key_id = AKIANEW\naws_secret_access_key = newsecret\n", ""},
		{"other sections kept byte for byte",
			"# my keys\n[default]\naws_access_key_id=AKIAROOT\naws_secret_access_key =  rootsecret\n\n[bob]  \nregion=eu-west-1",
			"# my keys\n[default]\naws_access_key_id=AKIAROOT\naws_secret_access_key =  rootsecret\n\n[bob]  \nregion=eu-west-1\n\n[alice]\naws_access_key_id = AKIANEW\naws_secret_access_key = newsecret\n", ""},
		{"section updated in place, token dropped, other keys kept",
			"[default]\naws_access_key_id = AKIAROOT\n\n[alice]\nregion = us-east-1\naws_access_key_id = AKIAOLD\naws_session_token = tok\naws_secret_access_key = oldsecret\n\n[carol]\naws_access_key_id = AKIACAROL\n",
			"[default]\naws_access_key_id = AKIAROOT\n\n[alice]\nregion = us-east-1\naws_access_key_id = AKIANEW\naws_secret_access_key = newsecret\n\n[carol]\naws_access_key_id = AKIACAROL\n", "AKIAOLD"},
		{"section without keys gets them before its blank lines",
			"[alice]\nregion = us-east-1\n\n[default]\naws_access_key_id = AKIAROOT\n",
			"[alice]\nregion = us-east-1\naws_access_key_id = AKIANEW\naws_secret_access_key = newsecret\n\n[default]\naws_access_key_id = AKIAROOT\n", ""},
		{"a section named like it is not it",
			"[alice2]\naws_access_key_id = AKIAOTHER\n[profile alice]\nregion = x\n",
			"[alice2]\naws_access_key_id = AKIAOTHER\n[profile alice]\nregion = x\n\n[alice]\naws_access_key_id = AKIANEW\naws_secret_access_key = newsecret\n", ""},
	}
	for _, c := range cases {
		got, replaced := setProfileKey(c.in, "alice", "AKIANEW", "newsecret")
		if got != c.want || replaced != c.replaced {
			t.Errorf("%s:\ngot (replaced %q)\n%s\nwant (replaced %q)\n%s", c.name, replaced, got, c.replaced, c.want)
		}
	}
}

func TestSaveProfileKeyModes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "home", ".aws", "credentials")
	if _, err := saveProfileKey(path, "alice", "AKIANEW", "newsecret"); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v, mode %v; want %v", p, err, fi.Mode().Perm(), want)
		}
	}
	// A file others could read is made private when it is rewritten.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := saveProfileKey(path, "bob", "AKIABOB", "bobsecret"); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("rewritten file mode %v, want 0600", fi.Mode().Perm())
	}
}
