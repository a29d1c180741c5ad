package policy

// ConditionKeys returns the condition keys statement i of d tests, as the
// document spells them (one entry per operator and key). Callers use it
// to tell an operator which keys a policy relies on.
func (d *Document) ConditionKeys(i int) []string {
	if d == nil || d.impl == nil || i < 0 || i >= len(d.impl.stmts) {
		return nil
	}
	conds := d.impl.stmts[i].conds
	keys := make([]string, 0, len(conds))
	for j := range conds {
		keys = append(keys, conds[j].key)
	}
	return keys
}

// StatementSid returns the Sid of statement i ("" when it has none).
func (d *Document) StatementSid(i int) string {
	if d == nil || d.impl == nil || i < 0 || i >= len(d.impl.stmts) {
		return ""
	}
	return d.impl.stmts[i].sid
}

// StatementCoversAction reports whether statement i's Action (or
// NotAction) names action, whatever its resource, principal and
// conditions say.
func (d *Document) StatementCoversAction(i int, action string) bool {
	if d == nil || d.impl == nil || i < 0 || i >= len(d.impl.stmts) {
		return false
	}
	s := &d.impl.stmts[i]
	return s.matchAction(action) != s.notAction
}
