package iamapi

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"signet/internal/authn"
	"signet/internal/awsquery"
	"signet/internal/iam"
)

// TestEveryKindHasOneCode: each domain kind has its row in kindCodes, and
// each row's code is in the code table.
func TestEveryKindHasOneCode(t *testing.T) {
	for _, k := range iam.Kinds() {
		c, ok := kindCodes[k]
		if !ok {
			t.Errorf("kind %v has no code", k)
			continue
		}
		if _, ok := codes.Rows[c]; !ok {
			t.Errorf("kind %v's code %s is not in the code table", k, c)
		}
	}
	if len(kindCodes) != len(iam.Kinds()) {
		t.Errorf("%d rows for %d kinds", len(kindCodes), len(iam.Kinds()))
	}
}

// TestEveryReasonHasAMessage: each domain reason is worded, and words its
// facts; a reason without a message would be answered as ServiceFailure.
func TestEveryReasonHasAMessage(t *testing.T) {
	q := &call{c: &awsquery.Call{Action: "DeletePolicy", Auth: &authn.Result{Principal: rootP}}, resource: "arn:aws:iam::aws:policy/IAMFullAccess"}
	for _, r := range iam.Reasons() {
		msg := reasonMessages[r]
		if msg == nil {
			t.Errorf("reason %v has no message", r)
			continue
		}
		e := &iam.Error{Kind: r.Kind(), Reason: r, Entity: "user", Name: "N4ME", Version: "v9", Quota: "Q", Limit: 7, Field: "f1eld",
			Violation: iam.Violation{Field: "f1eld", Value: "v4lue", Rule: iam.RuleMaxLength, Limit: 7}, Problem: "Pr0blem"}
		w, ok := q.domainError(e)
		if !ok || w.Message == "" || w.Code != string(kindCodes[r.Kind()]) {
			t.Errorf("reason %v: answer %+v", r, w)
		}
	}
	if len(reasonMessages) != len(iam.Reasons()) {
		t.Errorf("%d messages for %d reasons", len(reasonMessages), len(iam.Reasons()))
	}
}

// TestReasonMessages pins IAM's wording of each reason from its facts.
func TestReasonMessages(t *testing.T) {
	q := &call{c: &awsquery.Call{Action: "DeletePolicy", Auth: &authn.Result{Principal: rootP}}, resource: "arn:aws:iam::aws:policy/IAMFullAccess"}
	cases := []struct {
		e      iam.Error
		status int
		want   string
	}{
		{iam.Error{Reason: iam.ReasonNoSuchUser, Name: "bob"}, 404, "The user with name bob cannot be found."},
		{iam.Error{Reason: iam.ReasonNoSuchRole, Name: "R"}, 404, "The role with name R cannot be found."},
		{iam.Error{Reason: iam.ReasonNoSuchAccessKey, Name: "AKIAX"}, 404, "The Access Key with id AKIAX cannot be found"},
		{iam.Error{Reason: iam.ReasonNoSuchInlinePolicy, Entity: "role", Name: "p"}, 404, "The role policy with name p cannot be found."},
		{iam.Error{Reason: iam.ReasonNoSuchPolicy, Name: "arn:p"}, 404, "Policy arn:p was not found."},
		{iam.Error{Reason: iam.ReasonPolicyNotAttachable, Name: "arn:p"}, 404, "Policy arn:p does not exist or is not attachable."},
		{iam.Error{Reason: iam.ReasonNoSuchPolicyVersion, Name: "arn:p", Version: "v2"}, 404, "Policy arn:p version v2 does not exist or is not attachable."},
		{iam.Error{Reason: iam.ReasonUserExists, Name: "Bob"}, 409, "User with name Bob already exists."},
		{iam.Error{Reason: iam.ReasonRoleExists, Name: "R"}, 409, "Role with name R already exists."},
		{iam.Error{Reason: iam.ReasonPolicyExists, Name: "p"}, 409, "A policy called p already exists. Duplicate names are not allowed."},
		{iam.Error{Reason: iam.ReasonInlinePolicySize, Entity: "user", Name: "bob", Limit: 2048}, 409, "Maximum policy size of 2048 bytes exceeded for user bob"},
		{iam.Error{Reason: iam.ReasonQuota, Quota: "AccessKeysPerUser", Limit: 2}, 409, "Cannot exceed quota for AccessKeysPerUser: 2"},
		{iam.Error{Reason: iam.ReasonPolicyAttached}, 409, "Cannot delete a policy attached to entities."},
		{iam.Error{Reason: iam.ReasonUserHasAccessKeys}, 409, "Cannot delete entity, must delete access keys first."},
		{iam.Error{Reason: iam.ReasonHasInlinePolicies}, 409, "Cannot delete entity, must delete policies first."},
		{iam.Error{Reason: iam.ReasonHasAttachedPolicies}, 409, "Cannot delete entity, must detach all policies first."},
		{iam.Error{Reason: iam.ReasonUserHasReferences}, 409, "Cannot delete entity, must remove referenced objects first."},
		{iam.Error{Reason: iam.ReasonPolicySyntax, Problem: "Syntax errors in policy."}, 400, "Syntax errors in policy."},
		{iam.Error{Reason: iam.ReasonInvalidPrincipal, Name: "arn:aws:iam::123456789012:user/x"}, 400, `Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:user/x"`},
		{iam.Error{Reason: iam.ReasonConstraint, Violation: iam.Violation{Field: "userName", Value: "", Rule: iam.RuleMinLength, Limit: 1}}, 400,
			"1 validation error detected: Value '' at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{iam.Error{Reason: iam.ReasonNameCharacters, Field: "userName"}, 400, "The specified value for userName is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-"},
		{iam.Error{Reason: iam.ReasonPathCharacters, Field: "path"}, 400, "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters."},
		{iam.Error{Reason: iam.ReasonInvalidARN, Name: "arn:x"}, 400, "ARN arn:x is not valid."},
		{iam.Error{Reason: iam.ReasonAWSManagedPolicy}, 403, "User: " + rootP.ARN + " is not authorized to perform: iam:DeletePolicy on resource: arn:aws:iam::aws:policy/IAMFullAccess"},
	}
	for _, c := range cases {
		c.e.Kind = c.e.Reason.Kind()
		w, ok := q.domainError(&c.e)
		if !ok || w.Status != c.status || w.Message != c.want || w.Receiver {
			t.Errorf("%v: got %+v, want %d %q", c.e.Reason, w, c.status, c.want)
		}
	}
}

// TestErrorDocsCoverEveryCode: ErrorDocs has one row for every code the
// tables, the refusals and the handler send, each with a status, AWS's
// message and when signet sends it.
func TestErrorDocsCoverEveryCode(t *testing.T) {
	docs := map[string]int{}
	for _, d := range ErrorDocs() {
		if d.API != "IAM" || d.Status < 400 || d.Message == "" || d.When == "" {
			t.Errorf("row %+v is incomplete", d)
		}
		docs[d.Code]++
	}
	sent := []string{string(ServiceFailure), string(InvalidInput), string(InvalidClientTokenID),
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
	// The statuses in the docs are the ones sent.
	for _, d := range ErrorDocs() {
		if e := Code(d.Code).err("m"); e.Status != d.Status || (e.Status >= http.StatusInternalServerError) != e.Receiver {
			t.Errorf("%s: sent as %d, documented as %d", d.Code, e.Status, d.Status)
		}
	}
}

// TestValidationEchoIsBounded: a value far past its limit is not echoed
// whole in the ValidationError that refuses it (a megabyte of request
// would cost a megabyte of answer, several times over once escaped);
// short values still are, as AWS writes them.
func TestValidationEchoIsBounded(t *testing.T) {
	f := newFixture(t)
	w := f.do(t, rootP, "CreatePolicy", "PolicyName", "Big", "PolicyDocument", strings.Repeat("x", 131072+1))
	fails(t, w, 400, "ValidationError", "1 validation error detected: Value '...' at 'policyDocument' failed to satisfy constraint: Member must have length less than or equal to 131072")
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
