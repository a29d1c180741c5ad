package reason

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the generated section of docs/cli.md")

// example are the facts the docs render every sentence from: a URL signed
// at 10:10 for twelve hours, judged at 12:00.
func example(s Sentence) Facts {
	signed := time.Date(2026, 11, 27, 10, 10, 0, 0, time.UTC)
	f := Facts{
		Now: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC), Who: "IAM user alice's key AKIAALICE0000000001",
		KeyID: "AKIAALICE0000000001", UserName: "alice", CallerARN: "arn:aws:iam::123456789012:user/alice",
		SignedAt: signed, Expires: 12 * time.Hour, URLExpiry: signed.Add(12 * time.Hour), Effective: signed.Add(12 * time.Hour),
		DeletedAt: signed.Add(20 * time.Minute), Issued: signed.Add(-10 * time.Minute),
		Action: "s3:GetObject", Resource: "arn:aws:s3:::photos/cat.jpg", Bucket: "photos", Object: "cat.jpg",
		Statement: `statement "DenyPhotos" (#1) of identity policy no-photos of user alice`,
		Hint:      "the Host header was rewritten (signed for files.example.com, sent to files.internal:9000), e.g. by a proxy; sign for the host the request reaches, or have the proxy keep the Host",
		Status:    404, Code: "NoSuchKey", Detail: "The specified key does not exist.",
	}
	switch s.Reason() {
	case SessionExpired, SessionTerminated, SessionsRevoked, InvalidToken, OwnerDeleted:
		f.Who, f.KeyID = "role session reader/ci (ASIAREADERCI0000001)", "ASIAREADERCI0000001"
		f.CallerARN = "arn:aws:sts::123456789012:assumed-role/reader/ci"
		f.SessionExpiry, f.TerminatedAt = signed.Add(50*time.Minute), signed.Add(20*time.Minute)
		f.Effective, f.CredentialsLimit, f.Shortfall = f.SessionExpiry, true, f.URLExpiry.Sub(f.SessionExpiry)
		f.OwnerKind, f.OwnerName, f.OwnerID, f.NewOwnerID = "role", "reader", "AROAREADER0000000001", "AROAREADER0000000002"
		f.Statement = "statement #0 of identity policy AWSRevokeOlderSessions of role reader"
		f.Condition = "DateLessThan 2026-11-27T10:30:00Z"
	}
	switch s {
	case TokenOnLongTermKey:
		f.Who, f.KeyID = "IAM user alice's key AKIAALICE0000000001", "AKIAALICE0000000001"
	case KeyUnknownTemporary:
		f.KeyID = "ASIAREADERCI0000001"
	case ExpiresOverLimitSeconds:
		f.Expires = 7*24*time.Hour + time.Second
	case NotYetValidServer, NotYetValidOffline:
		f.Now = signed.Add(-5 * time.Minute)
	case URLRevokedByName, URLRevokedBySigner:
		f.Status, f.Code, f.Detail = 403, "AccessDenied", "This presigned URL has been revoked."
		f.RevokedAt, f.RevokedBy, f.RevokeReason = signed.Add(40*time.Minute), "arn:aws:iam::123456789012:user/ops", "leaked in ticket 4711"
		if s == URLRevokedBySigner {
			f.RevokedSigner, f.RevokedBefore = "user:alice", signed.Add(30*time.Minute)
		}
	case URLExpiredV4, URLExpiredV2:
		f.Expires, f.URLExpiry = time.Hour, signed.Add(time.Hour)
	case NoBucket:
		f.Code, f.Detail = "NoSuchBucket", "The specified bucket does not exist"
	case NoObjectHidden:
		f.Status, f.Code, f.Detail = 403, "AccessDenied", "Access Denied"
	case MalformedRefused:
		f.Status, f.Code, f.Detail = 405, "MethodNotAllowed", "The specified method is not allowed against this resource."
	case MalformedRequest, MalformedAuth:
		f.Status, f.Code = 400, "AuthorizationQueryParametersError"
		f.Detail = "Error parsing the X-Amz-Credential parameter; the region 'us-east-1' is wrong; expecting 'eu-west-1'"
	case MalformedUnjudged:
		f.Detail = "The URL has no X-Amz-Signature: it is not a complete presigned URL."
	case PolicyExpiredAt:
		f.Expires, f.URLExpiry = time.Hour, signed.Add(time.Hour)
		f.Status, f.Code, f.Detail = 403, "AccessDenied", "Invalid according to Policy: Policy expired."
	case PolicyConditionRefuse:
		f.Status, f.Code, f.Detail = 403, "AccessDenied", `Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "uploads/"]`
	}
	return f
}

// TestEveryReasonHasASentence: each code in Codes has a sentence in the
// table (its own code, at least), and every sentence belongs to a code.
func TestEveryReasonHasASentence(t *testing.T) {
	for _, code := range Codes {
		if _, ok := templates[Sentence(code)]; !ok {
			t.Errorf("reason %s has no sentence in the table", code)
		}
	}
	for _, e := range table {
		if !slices.Contains(Codes, e.Sentence.Reason()) {
			t.Errorf("sentence %s is for no reason in Codes", e.Sentence)
		}
		if e.When == "" {
			t.Errorf("sentence %s does not say when it applies", e.Sentence)
		}
	}
}

// TestSentencesRender: every template renders from its facts into one
// sentence that ends in a period and holds no template residue, and no two
// read the same; with no facts at all, none fails.
func TestSentencesRender(t *testing.T) {
	seen := map[string]Sentence{}
	for _, e := range table {
		got := Say(e.Sentence, example(e.Sentence))
		if !strings.HasSuffix(got, ".") || strings.Contains(got, "{{") || strings.Contains(got, "<no value>") ||
			strings.HasPrefix(got, string(e.Sentence)) || strings.Contains(got, "\n") {
			t.Errorf("%s: %q", e.Sentence, got)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("%s and %s read the same: %q", e.Sentence, other, got)
		}
		seen[got] = e.Sentence
		if zero := Say(e.Sentence, Facts{}); strings.HasPrefix(zero, string(e.Sentence)+":") {
			t.Errorf("%s with no facts: %q", e.Sentence, zero)
		}
	}
	if got := Say("no_such_reason/at_all", Facts{}); got != "no_such_reason/at_all" {
		t.Errorf("a sentence missing from the table reads %q", got)
	}
}

func TestSayFillsTheFacts(t *testing.T) {
	f := example(SessionExpiredAt)
	want := "Role session reader/ci (ASIAREADERCI0000001) expired at 2026-11-27T11:00:00Z, 1h ago, 11h10m before the URL's own window ends at 2026-11-27T22:10:00Z; " +
		"a URL dies with the credentials that signed it, so presign with an IAM user's long-term key or a session that outlasts the URL."
	if got := Say(SessionExpiredAt, f); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	f.CredentialsLimit = false
	if got := Say(SessionExpiredAt, f); strings.Contains(got, "before the URL's own window") {
		t.Errorf("without the credentials limiting: %q", got)
	}
	if got := SessionExpiredUnknown.Reason(); got != SessionExpired {
		t.Errorf("Reason() = %q", got)
	}
}

// The generated section of docs/cli.md lies between these markers.
const (
	docBegin = "<!-- reasons: generated from internal/reason/table.go by go test ./internal/reason -run TestDocs -update -->\n"
	docEnd   = "<!-- reasons: end -->\n"
)

// docs renders the table as the Markdown docs/cli.md shows.
func docs() string {
	var b strings.Builder
	b.WriteString("| reason | when | what inspect and the server say (an example) |\n|---|---|---|\n")
	for _, code := range Codes {
		for _, e := range table {
			if e.Sentence.Reason() != code {
				continue
			}
			name := "`" + code + "`"
			if _, variant, ok := strings.Cut(string(e.Sentence), "/"); ok {
				name += " (" + strings.ReplaceAll(variant, "_", " ") + ")"
			}
			s := strings.ReplaceAll(Say(e.Sentence, example(e.Sentence)), "|", `\|`)
			fmt.Fprintf(&b, "| %s | %s | %s |\n", name, e.When, s)
		}
	}
	return b.String()
}

// TestDocs: the reasons section of docs/cli.md is the table as it is.
func TestDocs(t *testing.T) {
	const path = "../../docs/cli.md"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	i, j := strings.Index(doc, docBegin), strings.Index(doc, docEnd)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the markers %q … %q", path, docBegin, docEnd)
	}
	got, want := doc[i+len(docBegin):j], docs()
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(doc[:i+len(docBegin)]+want+doc[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("docs/cli.md's reasons section is not the table; run go test ./internal/reason -run TestDocs -update\ngot:\n%s\nwant:\n%s", got, want)
}
