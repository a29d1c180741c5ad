package awsquery

import (
	"strings"
	"testing"

	"signet/internal/iam"
)

// TestEveryRuleHasWords: each rule the domains report has AWS's sentence.
func TestEveryRuleHasWords(t *testing.T) {
	for _, r := range iam.Rules() {
		if ruleWords[r] == "" {
			t.Errorf("rule %d has no words", r)
		}
	}
	if len(ruleWords) != len(iam.Rules()) {
		t.Errorf("%d worded rules for %d rules", len(ruleWords), len(iam.Rules()))
	}
}

// TestValidationMessage pins AWS's wording of each rule, one violation
// and several.
func TestValidationMessage(t *testing.T) {
	const pre = "1 validation error detected: "
	cases := []struct {
		v    iam.Violation
		want string
	}{
		{iam.Violation{Field: "userName", Rule: iam.RuleNotNull}, "Value null at 'userName' failed to satisfy constraint: Member must not be null"},
		{iam.Violation{Field: "userName", Value: "", Rule: iam.RuleMinLength, Limit: 1}, "Value '' at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{iam.Violation{Field: "roleName", Value: "r", Rule: iam.RuleMaxLength, Limit: 64}, "Value 'r' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{iam.Violation{Field: "durationSeconds", Value: "899", Rule: iam.RuleMinValue, Limit: 900}, "Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{iam.Violation{Field: "maxItems", Value: "1001", Rule: iam.RuleMaxValue, Limit: 1000}, "Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{iam.Violation{Field: "accessKeyId", Value: "a b", Rule: iam.RulePattern, Set: `[\w]+`}, `Value 'a b' at 'accessKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w]+`},
		{iam.Violation{Field: "status", Value: "Paused", Rule: iam.RuleEnum, Set: "[Active, Inactive, Expired]"}, "Value 'Paused' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive, Expired]"},
		{iam.Violation{Field: "maxItems", Value: "x", Rule: iam.RuleNumber}, "Value 'x' at 'maxItems' failed to satisfy constraint: Member must be a number"},
		{iam.Violation{Field: "onlyAttached", Value: "yes", Rule: iam.RuleBoolean}, "Value 'yes' at 'onlyAttached' failed to satisfy constraint: Member must be a boolean"},
		// A pattern's %d and %s are the pattern's, not a format's.
		{iam.Violation{Field: "f", Value: "%d", Rule: iam.RulePattern, Set: "%s%d"}, "Value '%d' at 'f' failed to satisfy constraint: Member must satisfy regular expression pattern: %s%d"},
	}
	for _, c := range cases {
		if got := ValidationMessage(c.v); got != pre+c.want {
			t.Errorf("got  %q\nwant %q", got, pre+c.want)
		}
	}
	two := ValidationMessage(cases[1].v, cases[0].v)
	if want := "2 validation errors detected: " + cases[1].want + "; " + cases[0].want; two != want {
		t.Errorf("got  %q\nwant %q", two, want)
	}
}

func TestEchoValue(t *testing.T) {
	if got := EchoValue("short"); got != "short" {
		t.Errorf("EchoValue(short) = %q", got)
	}
	if got := EchoValue(strings.Repeat("a", MaxEcho)); len(got) != MaxEcho {
		t.Errorf("a value of MaxEcho bytes is echoed as %d bytes", len(got))
	}
	if got := EchoValue(strings.Repeat("a", MaxEcho+1)); got != "..." {
		t.Errorf("a value of MaxEcho+1 bytes is echoed as %d bytes", len(got))
	}
}
