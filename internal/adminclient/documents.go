package adminclient

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"time"
)

// Document is a policy document's JSON. It marshals as that JSON, or as a
// string if the server sent something that is not JSON, so output built
// from it always parses.
type Document []byte

// MarshalJSON implements json.Marshaler.
func (d Document) MarshalJSON() ([]byte, error) {
	if len(d) == 0 {
		return []byte("null"), nil
	}
	if json.Valid(d) {
		return d, nil
	}
	return json.Marshal(string(d))
}

// decodeDocument undoes IAM's URL-encoding of policy documents. IAM
// percent-encodes (RFC 3986, "+" stays "+"), so this is a path unescape,
// not a query unescape, which would turn "+" into a space.
func decodeDocument(s string) Document {
	if d, err := url.PathUnescape(s); err == nil {
		return Document(d)
	}
	return Document(s)
}

// Principal is one principal a trust policy lets assume its role.
type Principal struct {
	// Type is the principal's kind in the policy: AWS, Service,
	// Federated, or * for anyone.
	Type string `json:"type"`
	ID   string `json:"id"`
	// Conditional is true when the statement allowing it has a
	// Condition, so the principal is trusted only when that holds.
	Conditional bool `json:"conditional"`
}

// TrustedPrincipals lists who a trust policy allows to call
// sts:AssumeRole, in document order. Statements that deny, or allow
// through NotAction or NotPrincipal, are not listed: they do not name
// someone who may assume the role. Never nil.
func TrustedPrincipals(doc Document) []Principal {
	out := []Principal{}
	var d struct {
		Statement json.RawMessage
	}
	if json.Unmarshal(doc, &d) != nil {
		return out
	}
	type statement struct {
		Effect    string
		Action    json.RawMessage
		Principal json.RawMessage
		Condition json.RawMessage
	}
	var stmts []statement
	if json.Unmarshal(d.Statement, &stmts) != nil {
		var one statement
		if json.Unmarshal(d.Statement, &one) != nil {
			return out
		}
		stmts = []statement{one}
	}
	for _, s := range stmts {
		if s.Effect != "Allow" || !allowsAssumeRole(s.Action) {
			continue
		}
		conditional := len(s.Condition) > 0 && string(s.Condition) != "null" && string(s.Condition) != "{}"
		var star string
		if json.Unmarshal(s.Principal, &star) == nil {
			out = append(out, Principal{Type: "*", ID: star, Conditional: conditional})
			continue
		}
		// Decode into ordered pairs: a map would print the kinds in a
		// random order.
		for _, kv := range orderedObject(s.Principal) {
			for _, id := range stringOrList(kv.value) {
				out = append(out, Principal{Type: kv.key, ID: id, Conditional: conditional})
			}
		}
	}
	return out
}

func allowsAssumeRole(action json.RawMessage) bool {
	for _, a := range stringOrList(action) {
		switch strings.ToLower(a) {
		case "sts:assumerole", "sts:*", "*":
			return true
		}
	}
	return false
}

func stringOrList(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	return nil
}

type pair struct {
	key   string
	value json.RawMessage
}

// orderedObject returns a JSON object's members in document order.
func orderedObject(raw json.RawMessage) []pair {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var out []pair
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return out
		}
		k, _ := t.(string)
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			return out
		}
		out = append(out, pair{k, v})
	}
	return out
}

// TrustPolicy is a trust policy letting each of the principal ARNs call
// sts:AssumeRole.
func TrustPolicy(principalARNs []string) string {
	type statement struct {
		Effect    string
		Principal struct{ AWS []string }
		Action    string
	}
	s := statement{Effect: "Allow", Action: "sts:AssumeRole"}
	s.Principal.AWS = principalARNs
	b, err := json.Marshal(struct {
		Version   string
		Statement []statement
	}{"2012-10-17", []statement{s}})
	if err != nil {
		panic(err) // strings only: cannot fail
	}
	return string(b)
}

// RevokePolicyName is the inline policy AWS's console puts on a role for
// "Revoke active sessions"; signet uses the same name so tools and people
// who know AWS recognise it.
const RevokePolicyName = "AWSRevokeOlderSessions"

// revokeTimeLayout is the policy's time format: RFC 3339 in UTC to the
// millisecond, as the console writes it.
const revokeTimeLayout = "2006-01-02T15:04:05.000Z"

// RevokeCutoff is the time a revocation made at now denies sessions
// issued before: the first millisecond boundary after now. Rounding up
// means a session issued in the same millisecond as now, before the
// revocation, cannot survive it.
func RevokeCutoff(now time.Time) time.Time {
	return now.UTC().Truncate(time.Millisecond).Add(time.Millisecond)
}

// RevokePolicy is the AWSRevokeOlderSessions document: deny everything to
// credentials issued before the cutoff. aws:TokenIssueTime exists only
// for temporary credentials, so long-term access keys are not affected.
func RevokePolicy(before time.Time) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],` +
		`"Condition":{"DateLessThan":{"aws:TokenIssueTime":"` + before.UTC().Format(revokeTimeLayout) + `"}}}]}`
}

// RevokedBefore recognises a revoke-older-sessions document and returns
// its cutoff: a statement denying every action on every resource when
// aws:TokenIssueTime is earlier than a fixed time.
func RevokedBefore(doc Document) (time.Time, bool) {
	var d struct {
		Statement []struct {
			Effect    string
			Action    json.RawMessage
			Resource  json.RawMessage
			Condition map[string]map[string]json.RawMessage
		}
	}
	if json.Unmarshal(doc, &d) != nil || len(d.Statement) != 1 {
		return time.Time{}, false
	}
	s := d.Statement[0]
	if s.Effect != "Deny" || !onlyStar(s.Action) || !onlyStar(s.Resource) || len(s.Condition) != 1 {
		return time.Time{}, false
	}
	for op, kv := range s.Condition {
		if !strings.EqualFold(op, "DateLessThan") || len(kv) != 1 {
			return time.Time{}, false
		}
		for k, v := range kv {
			vs := stringOrList(v)
			if !strings.EqualFold(k, "aws:TokenIssueTime") || len(vs) != 1 {
				return time.Time{}, false
			}
			t, err := time.Parse(time.RFC3339Nano, vs[0])
			return t.UTC(), err == nil
		}
	}
	return time.Time{}, false
}

func onlyStar(raw json.RawMessage) bool {
	vs := stringOrList(raw)
	return len(vs) == 1 && vs[0] == "*"
}

// Revocation is what revoking older sessions did.
type Revocation struct {
	Kind string `json:"kind"` // OwnerUser or OwnerRole
	Name string `json:"name"`
	ARN  string `json:"arn"`
	// PolicyName is RevokePolicyName, the inline policy now on the entity.
	PolicyName string `json:"policy_name"`
	// IssuedBefore is the cutoff: credentials issued before it are denied.
	IssuedBefore time.Time `json:"issued_before"`
	Policy       Document  `json:"policy"`
}

// RevokeOlderSessions puts the AWSRevokeOlderSessions policy on a user or
// role, replacing an earlier one, so that every request signed with its
// temporary credentials issued before the cutoff is denied. before should
// come from RevokeCutoff of the server's lifetime clock, which is the
// clock that stamps sessions.
func (c *IAM) RevokeOlderSessions(ctx context.Context, kind, name string, before time.Time) (*Revocation, error) {
	r := &Revocation{Kind: kind, PolicyName: RevokePolicyName, IssuedBefore: before.UTC()}
	// Look the entity up first: its ARN and stored name go in the report,
	// and an unknown name fails before anything is written.
	if kind == OwnerRole {
		role, err := c.GetRole(ctx, name)
		if err != nil {
			return nil, err
		}
		r.Name, r.ARN = role.RoleName, role.ARN
	} else {
		u, err := c.GetUser(ctx, name)
		if err != nil {
			return nil, err
		}
		r.Name, r.ARN = u.UserName, u.ARN
	}
	doc := RevokePolicy(before)
	if err := c.PutInlinePolicy(ctx, kind, r.Name, RevokePolicyName, doc); err != nil {
		return nil, err
	}
	r.Policy = Document(doc)
	return r, nil
}
