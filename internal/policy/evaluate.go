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
	e, i, _ := d.eval(req)
	if e == NotApplicable {
		return e, nil
	}
	return e, &Match{Kind: d.kind, Sid: d.stmts[i].sid, Index: i}
}

// eval returns the document's effect, the index of the deciding
// statement and, for an Allow, how its Principal reaches the caller: the
// first matching Deny, else the first of the Allows that reach furthest.
// Once an Allow reaches the caller itself, later Allow statements are not
// evaluated: only a Deny could still change the answer.
func (d *document) eval(req *Request) (Effect, int, reach) {
	allow, best := -1, reachNone
	for i := range d.stmts {
		s := &d.stmts[i]
		if s.effect == Allow && best == reachSelf {
			continue
		}
		r := s.reach(req)
		if r == reachNone {
			continue
		}
		if s.effect == Deny {
			return Deny, i, r
		}
		if r > best {
			allow, best = i, r
		}
	}
	if allow >= 0 {
		return Allow, allow, best
	}
	return NotApplicable, -1, reachNone
}

// reach reports whether the statement applies to the request and, if so,
// how its principal names the caller (reachSelf for statements without
// one: identity and session policies speak for the caller). The cheap
// elements come first: most statements are ruled out by their action or
// resource before any condition is looked at.
func (s *statement) reach(req *Request) reach {
	if s.matchAction(req.Action) == s.notAction {
		return reachNone
	}
	if s.hasResource && s.matchResource(req.Resource, req.Context) == s.notResource {
		return reachNone
	}
	r := reachSelf
	if s.hasPrincipal {
		if s.notPrincipal {
			r = s.principal.notReach(&req.Caller, s.effect)
		} else {
			r = s.principal.reach(&req.Caller)
		}
		if r == reachNone {
			return reachNone
		}
	}
	for i := range s.conds {
		if !s.conds[i].eval(req.Context) {
			return reachNone
		}
	}
	return r
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

// decide combines the documents as AWS does for a caller of the
// resource's own account:
//
//  1. an explicit Deny in any identity, session or resource policy wins
//     (the first in that order is reported);
//  2. a root caller is allowed;
//  3. an identity-policy Allow is enough, but for a session (HasSession)
//     only if the session policies allow too;
//  4. a resource-policy Allow that names the caller itself (or everyone)
//     is enough on its own;
//  5. one that names the role or user a session came from counts like an
//     identity-policy Allow: the session policies must allow too;
//  6. one that names only the account adds nothing: within the account
//     it delegates to IAM, that is to step 3.
//
// An identity allow is reported before a resource one when both grant.
func decide(req *Request, set Set) Decision {
	if req == nil {
		req = &emptyRequest
	}
	id := scan(req, set.Identity)
	if id.denied {
		return id.denial()
	}
	sess := scan(req, set.Session)
	if sess.denied {
		return sess.denial()
	}
	res := scan(req, set.Resource)
	if res.denied {
		return res.denial()
	}
	withinSession := !set.HasSession || sess.allowed
	switch {
	case set.Root:
		return Decision{Effect: Allow}
	case id.allowed && withinSession:
		return id.grant()
	case res.allowed && res.reach == reachSelf:
		return res.grant()
	case res.allowed && res.reach == reachParent && withinSession:
		return res.grant()
	}
	return Decision{Effect: NotApplicable}
}

// groupVerdict is what one group of documents (identity, session or
// resource policies) says: the first explicit deny, else its strongest
// allow.
type groupVerdict struct {
	denied, allowed bool
	v               verdict
	reach           reach
}

func (g groupVerdict) denial() Decision { return Decision{Effect: Deny, Match: g.v.match()} }
func (g groupVerdict) grant() Decision  { return Decision{Effect: Allow, Match: g.v.match()} }

// scan evaluates every document of a group; a Deny anywhere ends it at
// once. Of the allows, the first that reaches furthest is kept.
func scan(req *Request, group []Named) groupVerdict {
	var g groupVerdict
	for i := range group {
		n := &group[i]
		if n.Doc == nil || n.Doc.impl == nil {
			continue
		}
		e, idx, r := n.Doc.impl.eval(req)
		switch {
		case e == Deny:
			return groupVerdict{denied: true, v: verdict{n, idx}}
		case e == Allow && (!g.allowed || r > g.reach):
			g.allowed, g.v, g.reach = true, verdict{n, idx}, r
		}
	}
	return g
}
