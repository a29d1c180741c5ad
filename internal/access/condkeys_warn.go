package access

import (
	"context"
	"log/slog"
	"strconv"

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

func ownerName(o meta.Owner) string { return o.Kind + " " + o.Name }
