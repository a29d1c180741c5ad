package awsquery

import (
	"fmt"
	"strconv"
	"strings"

	"signet/internal/iam"
)

// AWS's request validator words a model violation the same way for every
// Query service: "Value 'v' at 'field' failed to satisfy constraint: C".
// This file is the one place that wording lives; IAM's and STS's domains
// report iam.Violation facts, and their API packages render them here.

// ruleWords is the constraint sentence of each rule; %d is the rule's
// Limit, %s its Set.
var ruleWords = map[iam.Rule]string{
	iam.RuleNotNull:   "Member must not be null",
	iam.RuleMinLength: "Member must have length greater than or equal to %d",
	iam.RuleMaxLength: "Member must have length less than or equal to %d",
	iam.RuleMinValue:  "Member must have value greater than or equal to %d",
	iam.RuleMaxValue:  "Member must have value less than or equal to %d",
	iam.RulePattern:   "Member must satisfy regular expression pattern: %s",
	iam.RuleEnum:      "Member must satisfy enum value set: %s",
	iam.RuleNumber:    "Member must be a number",
	iam.RuleBoolean:   "Member must be a boolean",
}

// violation words one violation.
func violation(v iam.Violation) string {
	words := ruleWords[v.Rule]
	switch v.Rule {
	case iam.RuleMinLength, iam.RuleMaxLength, iam.RuleMinValue, iam.RuleMaxValue:
		words = fmt.Sprintf(words, v.Limit)
	case iam.RulePattern, iam.RuleEnum:
		words = strings.Replace(words, "%s", v.Set, 1)
	}
	if v.Rule == iam.RuleNotNull {
		return "Value null at '" + v.Field + "' failed to satisfy constraint: " + words
	}
	if v.Sensitive {
		return "Value at '" + v.Field + "' failed to satisfy constraint: " + words
	}
	return "Value '" + EchoValue(v.Value) + "' at '" + v.Field + "' failed to satisfy constraint: " + words
}

// ValidationMessage is the message of a ValidationError for violations,
// in the order given: "N validation error(s) detected: …; …".
func ValidationMessage(vs ...iam.Violation) string {
	noun := "errors"
	if len(vs) == 1 {
		noun = "error"
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = violation(v)
	}
	return strconv.Itoa(len(vs)) + " validation " + noun + " detected: " + strings.Join(parts, "; ")
}

// MaxEcho is the longest value a ValidationError quotes back: longer than
// every length limit but the policy documents' (a session policy one
// character too long is still quoted whole).
const MaxEcho = 8 << 10

// EchoValue is how a ValidationError ("Value '…' at 'field' failed to
// satisfy constraint") quotes value: as it is, unless it is longer than
// MaxEcho, when it is "...", the form AWS was seen to answer a
// CloudFormation templateBody past its 51,200 characters with
// (convox/rack#549). Quoting a value of up to a megabyte (a Query body)
// whole would cost that again in the message and up to five times more
// once escaped into the XML answer, for every such request at once.
func EchoValue(value string) string {
	if len(value) > MaxEcho {
		return "..."
	}
	return value
}
