package policy

import (
	"strings"
)

// document is the compiled form of a policy.
type document struct {
	kind    Kind
	version string
	id      string
	stmts   []statement
	// needsContext: some statement has a Condition or a Resource with a
	// policy variable, so evaluating it reads Request.Context.
	needsContext bool
}

type statement struct {
	sid    string
	effect Effect

	notAction bool
	actions   []pattern

	hasResource bool
	notResource bool
	resources   []pattern

	hasPrincipal bool
	notPrincipal bool
	principal    principalSet

	conds []condition
}

func parse(kind Kind, doc []byte) (*document, error) {
	if kind < Identity || kind > Session {
		return nil, errf("Unknown policy kind %d.", int(kind))
	}
	if len(doc) > maxDocSize {
		return nil, errMsg(msgTooLarge)
	}
	root, err := decodeJSON(doc)
	if err != nil {
		return nil, err
	}
	obj, ok := root.(*object)
	if !ok {
		return nil, errMsg(msgSyntax)
	}
	d := &document{kind: kind}
	var stmtVal any
	haveStmt := false
	for i, k := range obj.keys {
		v := obj.vals[i]
		switch k {
		case "Version":
			s, ok := v.(string)
			if !ok || s != "2012-10-17" && s != "2008-10-17" {
				return nil, errf("Invalid policy Version %s: must be 2012-10-17 or 2008-10-17.", echo(jsonText(v)))
			}
			d.version = s
		case "Id":
			s, ok := v.(string)
			if !ok {
				return nil, errMsg("Id must be a string.")
			}
			d.id = s
		case "Statement":
			stmtVal, haveStmt = v, true
		default:
			return nil, errf("Unknown field %s", echo(k))
		}
	}
	if !haveStmt {
		return nil, errMsg(msgMissingStatement)
	}
	var raw []any
	switch t := stmtVal.(type) {
	case *object:
		raw = []any{t}
	case []any:
		raw = t
	default:
		return nil, errMsg(msgSyntax)
	}
	// Policy variables exist only in the 2012-10-17 language; AWS reads
	// "${...}" literally in older or unversioned documents.
	vars := d.version == "2012-10-17"
	d.stmts = make([]statement, 0, len(raw))
	sids := map[string]bool{}
	for _, r := range raw {
		so, ok := r.(*object)
		if !ok {
			return nil, errMsg(msgSyntax)
		}
		st, err := parseStatement(so, kind, vars)
		if err != nil {
			return nil, err
		}
		// IAM (identity, trust and session policies) insists on unique
		// alphanumeric Sids; S3 takes any string.
		if kind != Resource && st.sid != "" {
			if !isAlnum(st.sid) {
				return nil, errMsg(msgSidAlnum)
			}
			if sids[st.sid] {
				return nil, errMsg(msgSidUnique)
			}
			sids[st.sid] = true
		}
		d.stmts = append(d.stmts, st)
	}
	return d, nil
}

func parseStatement(o *object, kind Kind, vars bool) (statement, error) {
	var st statement
	var effect, action, notAction, resource, notResource, principal, notPrincipal, cond any
	for i, k := range o.keys {
		v := o.vals[i]
		switch k {
		case "Sid":
			s, ok := v.(string)
			if !ok {
				return st, errMsg("Sid must be a string.")
			}
			st.sid = s
		case "Effect":
			effect = v
		case "Action":
			action = v
		case "NotAction":
			notAction = v
		case "Resource":
			resource = v
		case "NotResource":
			notResource = v
		case "Principal":
			principal = v
		case "NotPrincipal":
			notPrincipal = v
		case "Condition":
			cond = v
		default:
			return st, errf("Unknown field %s", echo(k))
		}
	}

	switch e := effect.(type) {
	case nil:
		return st, errMsg(msgMissingEffect)
	case string:
		switch e {
		case "Allow":
			st.effect = Allow
		case "Deny":
			st.effect = Deny
		default:
			return st, errf("Invalid effect: %s", echo(e))
		}
	default:
		return st, errf("Invalid effect: %s", echo(jsonText(e)))
	}

	hasP, hasNP := principal != nil, notPrincipal != nil
	switch {
	case (kind == Identity || kind == Session) && (hasP || hasNP):
		return st, errMsg(msgForbiddenPrincipal)
	case (kind == Resource || kind == Trust) && !hasP && !hasNP:
		return st, errMsg(msgMissingPrincipal)
	case hasP && hasNP:
		return st, errMsg(msgBothPrincipal)
	case hasP || hasNP:
		v := principal
		if hasNP {
			v = notPrincipal
		}
		p, err := parsePrincipal(v, kind)
		if err != nil {
			return st, err
		}
		st.hasPrincipal, st.notPrincipal, st.principal = true, hasNP, p
	}

	if action != nil && notAction != nil {
		return st, errMsg(msgBothAction)
	}
	av := action
	if notAction != nil {
		av, st.notAction = notAction, true
	}
	if av == nil {
		return st, errMsg(msgNoActions)
	}
	acts, ok := stringList(av)
	if !ok {
		return st, errMsg("Action must be a string or an array of strings.")
	}
	if len(acts) == 0 {
		return st, errMsg(msgNoActions)
	}
	for _, a := range acts {
		if err := checkAction(a, kind); err != nil {
			return st, err
		}
		st.actions = append(st.actions, compile(a, true, false, true))
	}

	if resource != nil && notResource != nil {
		return st, errMsg(msgBothResource)
	}
	rv := resource
	if notResource != nil {
		rv, st.notResource = notResource, true
	}
	if rv == nil {
		if kind != Trust {
			return st, errMsg(msgNoResources)
		}
	} else {
		res, ok := stringList(rv)
		if !ok {
			return st, errMsg("Resource must be a string or an array of strings.")
		}
		if len(res) == 0 {
			return st, errMsg(msgNoResources)
		}
		for _, r := range res {
			if err := checkResource(r, kind); err != nil {
				return st, err
			}
			st.resources = append(st.resources, compile(r, true, vars, false))
		}
		st.hasResource = true
	}

	if cond != nil {
		conds, err := parseConditions(cond, kind, vars)
		if err != nil {
			return st, err
		}
		st.conds = conds
	}
	return st, nil
}

func checkAction(a string, kind Kind) error {
	if a == "*" {
		return nil
	}
	msg := ""
	vendor, name, ok := strings.Cut(a, ":")
	switch {
	case !ok || vendor == "":
		msg = msgVendor
	case strings.Contains(name, ":"):
		msg = msgOneColon
	case strings.ContainsAny(vendor, "*?"):
		msg = msgVendorWildcard
	case name == "" || strings.ContainsAny(a, " \t\r\n"):
		msg = "Action " + echo(a) + " is not valid."
	default:
		return nil
	}
	if kind == Resource {
		return errMsg(msgS3Action)
	}
	return errMsg(msg)
}

// checkResource accepts "*" or something shaped like an ARN: the prefix
// "arn:" and at least the five colons of arn:partition:service:region:account:resource.
func checkResource(r string, kind Kind) error {
	if r == "*" || strings.HasPrefix(r, "arn:") && strings.Count(r, ":") >= 5 {
		return nil
	}
	if kind == Resource {
		return errMsg(msgS3Resource)
	}
	return errf(`Resource %s must be in ARN format or "*".`, echo(r))
}

// jsonText renders a scalar for an error message.
func jsonText(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case nil:
		return "null"
	case bool:
		if t {
			return "true"
		}
		return "false"
	case []any:
		return "[...]"
	case *object:
		return "{...}"
	}
	if s, ok := v.(interface{ String() string }); ok {
		return s.String()
	}
	return "?"
}
