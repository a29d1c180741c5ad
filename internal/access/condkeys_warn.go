package access

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"

	"signet/internal/authn"
	"signet/internal/meta"
	"signet/internal/policy"
)

// KeyNote is a condition key a policy statement tests that signet never
// supplies for any action the statement names, so the condition can never
// hold on a positive operator: a Deny conditioned on it never applies.
type KeyNote struct {
	Statement int    // 0-based index in its document
	Sid       string // "" when the statement has none
	Key       string // as the policy spells it
	Why       string
}

// String is the note in one sentence, for logs and explanations.
func (n KeyNote) String() string {
	stmt := "statement " + strconv.Itoa(n.Statement)
	if n.Sid != "" {
		stmt = "statement " + strconv.Quote(n.Sid)
	}
	return stmt + " tests condition key " + n.Key + ", which signet never supplies for the actions it names (" + n.Why + ")"
}

// UnsuppliedKeys lists the keys of doc's statements that no action the
// statement names ever carries in signet. Statements naming no action
// signet authorises are skipped: their conditions are never evaluated.
func UnsuppliedKeys(doc *policy.Document) []KeyNote {
	var notes []KeyNote
	for i := range doc.Statements() {
		keys := doc.ConditionKeys(i)
		if len(keys) == 0 {
			continue
		}
		var covered []string
		for _, action := range Actions() {
			if doc.StatementCoversAction(i, action) {
				covered = append(covered, action)
			}
		}
		if len(covered) == 0 {
			continue
		}
		for _, key := range keys {
			if why, ok := unsuppliedFor(key, covered); ok {
				notes = append(notes, KeyNote{Statement: i, Sid: doc.StatementSid(i), Key: key, Why: why})
			}
		}
	}
	return notes
}

// unsuppliedFor reports whether key is supplied for none of actions, and
// why not (for the first of them).
func unsuppliedFor(key string, actions []string) (string, bool) {
	why := ""
	for _, action := range actions {
		ok, reason := Supplied(action, key)
		if ok {
			return "", false
		}
		if why == "" {
			why = reason
		}
	}
	return why, true
}

// SetLogger sets where Store warns about policies it is asked to write
// that test keys signet never supplies. Without one it does not warn.
func (s *Store) SetLogger(log *slog.Logger) { s.log = log }

// warnUnsupplied logs one warning per condition key of a policy being
// written that signet never supplies. The write itself goes ahead: AWS
// accepts such policies too, and the key may be meant for AWS.
func (s *Store) warnUnsupplied(ctx context.Context, what string, kind policy.Kind, raw string) {
	if s.log == nil || raw == "" {
		return
	}
	doc, err := policy.Parse(kind, []byte(raw))
	if err != nil {
		// The domain validated it; a stored document that does not parse
		// is reported where it is read.
		return
	}
	for _, n := range UnsuppliedKeys(doc) {
		s.log.WarnContext(ctx, "policy tests a condition key signet never supplies; a Deny conditioned on it never applies",
			"policy", what, "key", n.Key, "statement", n.Statement, "sid", n.Sid, "detail", n.String())
	}
}

func ownerName(o meta.Owner) string { return string(o.Kind) + " " + o.Name }

// PolicyKeyNote is a KeyNote in one of the policies of a decision.
type PolicyKeyNote struct {
	Policy string // the name the policy goes by ("bucket policy of b", an inline policy's name, an ARN)
	KeyNote
}

// UnsuppliedKeys lists, for one request, the condition keys that the
// policies deciding it test and that signet never supplies for action:
// statements that can never apply as their authors meant. The dry run
// names them when it explains a decision.
func (a *Authorizer) UnsuppliedKeys(r *http.Request, res *authn.Result, action, resource string) ([]PolicyKeyNote, error) {
	ctx := r.Context()
	set, err := a.identitySet(ctx, res)
	if err != nil {
		return nil, err
	}
	if bucket, ok := bucketOf(resource); ok {
		bp, err := a.bucketPolicy(ctx, bucket)
		if err != nil {
			return nil, err
		}
		if bp != nil {
			set.Resource = append(set.Resource, policy.Named{Name: "bucket policy of " + bucket, Doc: bp})
		}
	}
	var out []PolicyKeyNote
	for _, group := range [][]policy.Named{set.Identity, set.Session, set.Resource} {
		for _, n := range group {
			for i := range n.Doc.Statements() {
				if !n.Doc.StatementCoversAction(i, action) {
					continue
				}
				for _, key := range n.Doc.ConditionKeys(i) {
					if why, ok := unsuppliedFor(key, []string{action}); ok {
						out = append(out, PolicyKeyNote{Policy: n.Name, KeyNote: KeyNote{Statement: i, Sid: n.Doc.StatementSid(i), Key: key, Why: why}})
					}
				}
			}
		}
	}
	return out, nil
}
