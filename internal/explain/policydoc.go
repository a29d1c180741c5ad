package explain

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"signet/internal/meta"
	"signet/internal/policy"
	"signet/internal/principal"
)

// issueTimeCondition reads, from the document of the identity policy that
// denied (an inline policy of the caller's user or role, or a customer
// managed one), the aws:TokenIssueTime test of statement m, e.g.
// "DateLessThan 2026-11-27T12:00:00Z". It is only for the message: the
// decision itself came from the authoriser. "" when it cannot be read.
func (x *Explainer) issueTimeCondition(ctx context.Context, p principal.Principal, m *policy.Match) string {
	if m.Kind != policy.Identity {
		return ""
	}
	owner := meta.Owner{Kind: principal.OwnerUser, Name: p.UserName}
	if p.SessionKind == principal.SessionAssumedRole {
		owner = meta.Owner{Kind: principal.OwnerRole, Name: p.RoleName}
	}
	var doc string
	if ip, err := x.cfg.Store.GetInlinePolicy(ctx, owner, m.Policy); err == nil {
		doc = ip.Document
	} else if strings.HasPrefix(m.Policy, "arn:") {
		name := m.Policy[strings.LastIndexByte(m.Policy, '/')+1:]
		if mp, err := x.cfg.Store.GetPolicy(ctx, name); err == nil {
			doc = mp.Document
		}
	}
	return conditionOn(doc, m.Index, "aws:TokenIssueTime")
}

// conditionOn returns "Operator value" for the first operator (by name)
// of statement index of doc that tests key.
func conditionOn(doc string, index int, key string) string {
	var d struct {
		Statement json.RawMessage
	}
	if json.Unmarshal([]byte(doc), &d) != nil {
		return ""
	}
	var statements []map[string]any
	if json.Unmarshal(d.Statement, &statements) != nil {
		var one map[string]any
		if json.Unmarshal(d.Statement, &one) != nil {
			return ""
		}
		statements = []map[string]any{one}
	}
	if index < 0 || index >= len(statements) {
		return ""
	}
	cond, _ := statements[index]["Condition"].(map[string]any)
	ops := make([]string, 0, len(cond))
	for op := range cond {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		keys, _ := cond[op].(map[string]any)
		for k, v := range keys {
			if strings.EqualFold(k, key) {
				return op + " " + conditionValue(v)
			}
		}
	}
	return ""
}

func conditionValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		parts := make([]string, 0, len(v))
		for _, e := range v {
			parts = append(parts, conditionValue(e))
		}
		return strings.Join(parts, " or ")
	}
	return fmt.Sprint(v)
}
