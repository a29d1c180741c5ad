package stsapi

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"signet/internal/awsquery"
	"signet/internal/iam"
	"signet/internal/sts"
)

// TestEveryKindHasOneCode: each domain kind has its row in kindCodes, and
// each row's code is in the code table.
func TestEveryKindHasOneCode(t *testing.T) {
	for _, k := range sts.Kinds() {
		c, ok := kindCodes[k]
		if !ok {
			t.Errorf("kind %v has no code", k)
			continue
		}
		if _, ok := codes.Rows[c]; !ok {
			t.Errorf("kind %v's code %s is not in the code table", k, c)
		}
	}
	if len(kindCodes) != len(sts.Kinds()) {
		t.Errorf("%d rows for %d kinds", len(kindCodes), len(sts.Kinds()))
	}
}

// TestEveryReasonHasAMessage: each reason of a kind sent on the wire is
// worded; the reasons of a kind answered as InternalFailure have none.
func TestEveryReasonHasAMessage(t *testing.T) {
	worded := 0
	for _, r := range sts.Reasons() {
		internal := kindCodes[r.Kind()] == InternalFailure
		msg := reasonMessages[r]
		if internal != (msg == nil) {
			t.Errorf("reason %v (kind %v): message present %v, answered as InternalFailure %v", r, r.Kind(), msg != nil, internal)
			continue
		}
		e := &sts.Error{Kind: r.Kind(), Reason: r, Caller: "c", Action: "a", Resource: "r", Name: "n", Problem: "p", Percent: 101,
			Violations: []iam.Violation{{Field: "f", Rule: iam.RuleNotNull}}}
		w, ok := domainError(e)
		if internal {
			if ok {
				t.Errorf("reason %v: answered %+v, want InternalFailure", r, w)
			}
			continue
		}
		worded++
		if !ok || w.Message == "" || w.Code != string(kindCodes[r.Kind()]) {
			t.Errorf("reason %v: answer %+v", r, w)
		}
	}
	if worded != len(reasonMessages) {
		t.Errorf("%d messages, %d worded reasons", len(reasonMessages), worded)
	}
}

// TestReasonMessages pins AWS's wording of each reason from its facts.
func TestReasonMessages(t *testing.T) {
	cases := []struct {
		e      sts.Error
		status int
		want   string
	}{
		{sts.Error{Reason: sts.ReasonConstraint, Violations: []iam.Violation{
			{Field: "roleSessionName", Value: "a b", Rule: iam.RulePattern, Set: `[\w+=,.@-]*`},
			{Field: "durationSeconds", Value: "100", Rule: iam.RuleMinValue, Limit: 900}}}, 400,
			`2 validation errors detected: Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*; ` +
				"Value '100' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{sts.Error{Reason: sts.ReasonMaxSession}, 400, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
		{sts.Error{Reason: sts.ReasonChainedSession}, 400, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."},
		{sts.Error{Reason: sts.ReasonInvalidRoleARN}, 400, "Request ARN is invalid"},
		{sts.Error{Reason: sts.ReasonRootAssumeRole}, 403, "Roles may not be assumed by root accounts."},
		{*sts.NotAuthorized("arn:aws:iam::123456789012:user/alice", "sts:AssumeRole", "arn:aws:iam::123456789012:role/x"), 403,
			"User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/x"},
		{sts.Error{Reason: sts.ReasonSessionCredentials, Action: "GetSessionToken"}, 403, "Cannot call GetSessionToken with session credentials"},
		{sts.Error{Reason: sts.ReasonPolicySyntax, Problem: "Syntax errors in policy."}, 400, "Syntax errors in policy."},
		{sts.Error{Reason: sts.ReasonPolicyNotAttachable, Name: "arn:p"}, 400, "Policy arn:p does not exist or is not attachable."},
		{sts.Error{Reason: sts.ReasonPackedPolicyTooLarge, Percent: 103}, 400, "Packed policy consumes 103% of allotted space, please use smaller policy for this request."},
	}
	for _, c := range cases {
		c.e.Kind = c.e.Reason.Kind()
		w, ok := domainError(&c.e)
		if !ok || w.Status != c.status || w.Message != c.want || w.Receiver {
			t.Errorf("%v: got %+v, want %d %q", c.e.Reason, w, c.status, c.want)
		}
	}
}

// TestErrorDocsCoverEveryCode: ErrorDocs has one row for every code the
// tables, the refusals and the handler send, each with its status, AWS's
// message and when signet sends it.
func TestErrorDocsCoverEveryCode(t *testing.T) {
	docs := map[string]int{}
	for _, d := range ErrorDocs() {
		if d.API != "STS" || d.Status < 400 || d.Message == "" || d.When == "" {
			t.Errorf("row %+v is incomplete", d)
		}
		docs[d.Code]++
	}
	sent := []string{string(InvalidParameterValue), string(InternalFailure), awsquery.ErrMissingAction.Code,
		awsquery.InvalidAction("X", "Y").Code, awsquery.MissingAuthentication().Code, awsquery.Missing("f").Code}
	for _, c := range kindCodes {
		sent = append(sent, string(c))
	}
	for c := range codes.Rows {
		sent = append(sent, string(c))
	}
	for _, c := range sent {
		if docs[c] != 1 {
			t.Errorf("code %s has %d rows in ErrorDocs", c, docs[c])
		}
	}
	for _, d := range ErrorDocs() {
		if e := Code(d.Code).err("m"); e.Status != d.Status || (e.Status >= http.StatusInternalServerError) != e.Receiver {
			t.Errorf("%s: sent as %d, documented as %d", d.Code, e.Status, d.Status)
		}
	}
}

// TestNoCodeFromAString: the package's code makes every answer from a
// typed Code, never from a string.
func TestNoCodeFromAString(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	bad := regexp.MustCompile(`Code: "|Code\("|Errorf\(`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if loc := bad.FindIndex(b); loc != nil {
			t.Errorf("%s: a code made from a string: %q", f, b[loc[0]:loc[1]])
		}
	}
}

// TestValidationEchoIsBounded: a session policy of a megabyte is refused
// without the megabyte in the answer.
func TestValidationEchoIsBounded(t *testing.T) {
	f := newFixture(t)
	w := f.call(t, user, url.Values{"Action": {"AssumeRole"}, "RoleArn": {"arn:aws:iam::" + acct + ":role/deploy"},
		"RoleSessionName": {"s1"}, "Policy": {strings.Repeat(`"`, 1<<20)}})
	wantError(t, w, 400, "ValidationError",
		"1 validation error detected: Value '...' at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048")
}
