package policy

// Statements reports how many statements the document holds.
func (d *Document) Statements() int {
	if d == nil || d.impl == nil {
		return 0
	}
	return len(d.impl.stmts)
}

// Kind reports the kind the document was parsed as.
func (d *Document) Kind() Kind {
	if d == nil || d.impl == nil {
		return Identity
	}
	return d.impl.kind
}

var emptyRequest Request

func (d *document) evaluate(req *Request) (Effect, *Match) {
	if d == nil {
		return NotApplicable, nil
	}
	if req == nil {
		req = &emptyRequest
	}
	e, i := d.eval(req)
	if e == NotApplicable {
		return e, nil
	}
	return e, &Match{Kind: d.kind, Sid: d.stmts[i].sid, Index: i}
}

// eval returns the document's effect and the index of the deciding
// statement: the first matching Deny, else the first matching Allow.
// Once an Allow is found, later Allow statements are not evaluated: only
// a Deny could still change the answer.
func (d *document) eval(req *Request) (Effect, int) {
	allow := -1
	for i := range d.stmts {
		s := &d.stmts[i]
		if s.effect == Allow && allow >= 0 {
			continue
		}
		if !s.applies(req) {
			continue
		}
		if s.effect == Deny {
			return Deny, i
		}
		allow = i
	}
	if allow >= 0 {
		return Allow, allow
	}
	return NotApplicable, -1
}

// applies checks the cheap elements first: most statements are ruled out
// by their action or resource before any condition is looked at.
func (s *statement) applies(req *Request) bool {
	if s.matchAction(req.Action) == s.notAction {
		return false
	}
	if s.hasResource && s.matchResource(req.Resource, req.Context) == s.notResource {
		return false
	}
	if s.hasPrincipal && s.principal.match(&req.Caller) == s.notPrincipal {
		return false
	}
	for i := range s.conds {
		if !s.conds[i].eval(req.Context) {
			return false
		}
	}
	return true
}

func (s *statement) matchAction(action string) bool {
	for i := range s.actions {
		if s.actions[i].match(action, nil) {
			return true
		}
	}
	return false
}

func (s *statement) matchResource(res string, ctx map[string][]string) bool {
	for i := range s.resources {
		if s.resources[i].match(res, ctx) {
			return true
		}
	}
	return false
}

type verdict struct {
	named *Named
	index int
}

func (v verdict) match() *Match {
	d := v.named.Doc.impl
	return &Match{Policy: v.named.Name, Kind: d.kind, Sid: d.stmts[v.index].sid, Index: v.index}
}

func decide(req *Request, set Set) Decision {
	if req == nil {
		req = &emptyRequest
	}
	// scan evaluates every document of a group; a Deny anywhere ends the
	// decision at once, so the first deny in Identity, Session, Resource
	// order is the one reported.
	scan := func(group []Named) (deny, allow verdict, denied, allowed bool) {
		for i := range group {
			n := &group[i]
			if n.Doc == nil || n.Doc.impl == nil {
				continue
			}
			e, idx := n.Doc.impl.eval(req)
			switch e {
			case Deny:
				return verdict{n, idx}, allow, true, allowed
			case Allow:
				if !allowed {
					allow, allowed = verdict{n, idx}, true
				}
			}
		}
		return deny, allow, false, allowed
	}

	deny, idAllow, denied, idAllowed := scan(set.Identity)
	if denied {
		return Decision{Effect: Deny, Match: deny.match()}
	}
	deny, _, denied, sessAllowed := scan(set.Session)
	if denied {
		return Decision{Effect: Deny, Match: deny.match()}
	}
	deny, resAllow, denied, resAllowed := scan(set.Resource)
	if denied {
		return Decision{Effect: Deny, Match: deny.match()}
	}
	switch {
	case set.Root:
		return Decision{Effect: Allow}
	case idAllowed && (!set.HasSession || sessAllowed):
		return Decision{Effect: Allow, Match: idAllow.match()}
	case resAllowed:
		return Decision{Effect: Allow, Match: resAllow.match()}
	}
	return Decision{Effect: NotApplicable}
}
