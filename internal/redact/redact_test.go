package redact

import (
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	creq := "GET\n/k\nX-Amz-Date=1&X-Amz-Security-Token=abc%2Bdef&X-Amz-SignedHeaders=host\nhost:h\n\nhost\nUNSIGNED-PAYLOAD"
	got := Tokens(creq)
	if strings.Contains(got, "abc") || !strings.Contains(got, "X-Amz-Security-Token=REDACTED(sha256:") || !strings.Contains(got, "&X-Amz-SignedHeaders=host\n") {
		t.Errorf("query form: %q", got)
	}
	// The same token in SigV2's header form gets the same fingerprint, so
	// texts stay comparable; another token gets another.
	v2 := Tokens("GET\n\n\n1369353600\nx-amz-security-token:abc+def\n/b/k")
	fp := got[strings.Index(got, "REDACTED") : strings.Index(got, ")")+1]
	if !strings.Contains(v2, "x-amz-security-token:"+fp+"\n/b/k") {
		t.Errorf("header form %q, want fingerprint %s", v2, fp)
	}
	if other := Tokens("X-Amz-Security-Token=xyz"); strings.Contains(other, fp) {
		t.Errorf("different tokens share a fingerprint: %q", other)
	}
	// A text already masked (the server's canonical request) keeps its
	// mask: masking it again would show a difference that isn't there.
	if again := Tokens(got); again != got {
		t.Errorf("masking twice changed %q to %q", got, again)
	}
	if s := "no token here"; Tokens(s) != s {
		t.Errorf("changed %q", Tokens(s))
	}
}
