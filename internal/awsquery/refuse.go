package awsquery

import (
	"net/http"
	"strings"
)

// Unsupported is a parameter of a served action that selects a feature the
// service does not implement. Such a parameter is refused, never accepted
// and dropped: a client tested against signet must not ship to AWS with no
// proof that, say, session tags work.
type Unsupported struct {
	// Action is the action the row applies to.
	Action string
	// Param is the parameter's name; a trailing "." makes it a prefix, for
	// lists and maps (Tags.member.1.Key).
	Param string
	// Value, when set, refuses only that value (case-insensitive).
	Value string
	// Feature names what is not implemented.
	Feature string
}

// Refuse returns the error, with code (each service's own typed code for
// a bad input), for the first row of table that c selects, or nil. The
// message names the feature, the parameter and the action.
func Refuse[C ~string](c *Call, table []Unsupported, code C) *Error {
	for _, u := range table {
		if u.Action != c.Action {
			continue
		}
		if name, ok := u.match(c); ok {
			return &Error{Status: http.StatusBadRequest, Code: string(code),
				Message: "signet does not implement " + u.Feature + ": the parameter " + name + " of " + c.Action + " is refused, not ignored."}
		}
	}
	return nil
}

// match returns the parameter of c the row selects.
func (u Unsupported) match(c *Call) (string, bool) {
	prefix, isPrefix := strings.CutSuffix(u.Param, ".")
	for name, vs := range c.Params {
		if name != u.Param && !(isPrefix && (name == prefix || strings.HasPrefix(name, prefix+"."))) {
			continue
		}
		if u.Value != "" && (len(vs) == 0 || !strings.EqualFold(vs[0], u.Value)) {
			continue
		}
		if isPrefix {
			return prefix, true
		}
		return name, true
	}
	return "", false
}
