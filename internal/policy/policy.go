// Package policy parses, validates and evaluates IAM policy documents:
// identity policies, resource (bucket) policies, role trust policies and
// session policies. It is pure: no clock, no I/O; everything a decision
// depends on arrives in the Request.
//
// Parse validates a document against the rules of its Kind and compiles
// it: wildcard patterns are split, CIDRs, numbers and dates parsed, so
// evaluation does little more than compare. Error texts follow AWS's
// wording (IAM's for identity, trust and session policies, S3's for
// bucket policies) where it is known.
//
// A statement applies when its Action (or NotAction), Resource (or
// NotResource), Principal (or NotPrincipal) and every condition match.
// One document evaluates to Deny if any applicable statement denies, else
// Allow if one allows, else NotApplicable. Decide combines documents as
// AWS does within one account:
//
//  1. an explicit Deny in any identity, session or resource policy wins;
//  2. otherwise a root caller is allowed;
//  3. otherwise the request is allowed if the identity policies allow it
//     and, for a session (Set.HasSession), the session policies allow it
//     too; or if a resource policy allows the caller by its own ARN (or
//     everyone, "*"); or if a resource policy allows the role or IAM
//     user the session came from (Caller.Parents) and the session
//     policies allow it too;
//  4. otherwise it is implicitly denied. In particular a resource-policy
//     Allow that names only the account ("123456789012" or
//     arn:aws:iam::123456789012:root) grants nothing by itself: within
//     the account it delegates to the identity policies.
//
// NotPrincipal is read in the direction that refuses, since AWS checks
// the account, the role or user, and the session in turn: a Deny spares
// only a caller whose every name is listed (account, role or user, and
// session ARN, as AWS's examples do), an Allow grants only a caller none
// of whose names is listed.
//
// Conditions follow AWS: operators in a block are ANDed, keys under one
// operator are ANDed, the values listed for a key are ORed. A key absent
// from the request fails a positive operator and satisfies a negated one
// (StringNotEquals, NotIpAddress, ArnNotLike …); ...IfExists and
// ForAllValues: are satisfied by an absent key, ForAnyValue: is not.
// Policy variables (${aws:username}, ${aws:PrincipalArn, 'default'},
// the escapes ${*} ${?} ${$}) are substituted in Resource and in string
// and ARN condition values of 2012-10-17 documents; a variable whose key
// is absent and has no default makes that value match nothing.
//
// Documented simplifications:
//   - Every caller is taken to be of the resource's account (signet has
//     one account); cross-account evaluation is not implemented.
//   - A resource policy's "*" grants a session on its own, like naming
//     the session: its session policy does not narrow public access.
//   - Service, Federated and CanonicalUser principals are accepted but
//     never match: signet has no such callers.
//   - Numeric conditions compare as float64 (exact for integers < 2^53);
//     BinaryEquals compares the base64 text.
//   - Duplicate JSON keys are rejected rather than last-one-wins.
package policy

import "errors"

// Kind says where a document is used; it decides which elements are
// required or forbidden (a resource policy needs a Principal, an identity
// policy must not have one).
type Kind int

const (
	Identity Kind = iota // user or role policy, managed policy
	Resource             // bucket policy
	Trust                // role trust (assume-role) policy
	Session              // session policy passed to AssumeRole / GetFederationToken
)

// Document is a parsed, validated policy, compiled for evaluation. It is
// immutable and safe for concurrent use.
type Document struct {
	impl *document
}

// ErrMalformed is wrapped by every parse and validation error; the error's
// text is the message to show the user.
var ErrMalformed = errors.New("policy: malformed")

// Parse parses and validates a policy document of the given kind.
func Parse(kind Kind, doc []byte) (*Document, error) {
	d, err := parse(kind, doc)
	if err != nil {
		return nil, err
	}
	for i := range d.stmts {
		st := &d.stmts[i]
		d.needsContext = d.needsContext || len(st.conds) > 0
		for j := range st.resources {
			d.needsContext = d.needsContext || st.resources[j].hasVars
		}
	}
	return &Document{impl: d}, nil
}

// Caller identifies who makes a request, for matching Principal and
// NotPrincipal in resource and trust policies.
type Caller struct {
	Anonymous bool
	Account   string // the caller's account ID
	// ARNs name the caller itself: an IAM user, the root, an assumed-role
	// session (arn:aws:sts::ACCT:assumed-role/ROLE/SESSION), a federated
	// user (arn:aws:sts::ACCT:federated-user/NAME).
	ARNs []string
	// Parents name the identity a temporary session was issued from: the
	// role of an assumed-role session, the IAM user of a federated session.
	// A resource policy that allows a parent grants only what the
	// session's policies allow too; one that allows the session itself
	// grants on its own.
	Parents []string
}

// Request is one authorisation question.
type Request struct {
	Action   string // "s3:GetObject", "iam:CreateUser", "sts:AssumeRole"
	Resource string // ARN
	Caller   Caller
	// Context holds condition keys (names as AWS spells them, matched
	// case-insensitively) and their values as strings: dates in RFC 3339,
	// numbers in decimal, booleans "true"/"false". A key that is absent is
	// absent (IfExists and Null depend on that).
	Context map[string][]string
}

// Effect is the outcome of one document or of a whole decision.
type Effect int

const (
	NotApplicable Effect = iota // no statement matched: implicit deny
	Allow
	Deny // explicit deny
)

// Match names the statement that decided.
type Match struct {
	Policy string // the Named.Name it came from
	Kind   Kind
	Sid    string // "" when the statement has none
	Index  int    // 0-based statement index in its document
}

// Named is a document with the name it is known by (an inline policy's
// name, a managed policy's ARN, "bucket policy", "session policy").
type Named struct {
	Name string
	Doc  *Document
}

// Set is every policy that applies to one request.
type Set struct {
	// Identity policies of the caller (user, or the role of a session).
	Identity []Named
	// Session policies narrow a temporary session's identity permissions
	// to the intersection. HasSession with no documents allows nothing
	// (a federated session issued without a session policy).
	HasSession bool
	Session    []Named
	// Resource policies: the bucket policy, or a role's trust policy.
	Resource []Named
	// Root callers are allowed unless a policy denies explicitly.
	Root bool
}

// NeedsContext reports whether evaluating d can read the request's
// condition keys (Request.Context): some statement has a Condition, or a
// Resource with a policy variable such as ${aws:username}.
func (d *Document) NeedsContext() bool { return d != nil && d.impl.needsContext }

// NeedsContext reports whether any document of the set needs the
// request's condition keys. When none does, a caller may leave
// Request.Context nil: building it costs more than the rest of a typical
// decision (a dozen keys, most of them formatted strings), and most
// policies have no condition.
func (s Set) NeedsContext() bool {
	for _, group := range [][]Named{s.Identity, s.Session, s.Resource} {
		for _, n := range group {
			if n.Doc.NeedsContext() {
				return true
			}
		}
	}
	return false
}

// Decision is the result of Decide.
type Decision struct {
	Effect Effect // Allow, Deny (explicit) or NotApplicable (implicit deny)
	// Match is the statement that decided: the explicit deny, or the
	// allow that granted; nil for an implicit deny or a root allow.
	Match *Match
}

// Allowed reports whether the request may proceed.
func (d Decision) Allowed() bool { return d.Effect == Allow }

// Decide evaluates a request against a set of policies, following AWS's
// evaluation logic within one account: an explicit Deny in any policy
// wins; otherwise an Allow in the identity policies (narrowed by the
// session policies when HasSession), or a resource-policy Allow naming
// the caller itself, is enough; a resource-policy Allow naming the
// caller's role or user counts as an identity Allow, one naming only the
// account adds nothing; otherwise the request is implicitly denied.
func Decide(req *Request, set Set) Decision {
	return decide(req, set)
}

// Evaluate evaluates one document alone: Deny if a statement denies,
// else Allow if one allows, else NotApplicable.
func (d *Document) Evaluate(req *Request) (Effect, *Match) {
	return d.impl.evaluate(req)
}
