package meta

// The predefined groups an ACL may grant to, as S3 names them.
const (
	GroupAllUsers           = "http://acs.amazonaws.com/groups/global/AllUsers"
	GroupAuthenticatedUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
	GroupLogDelivery        = "http://acs.amazonaws.com/groups/s3/LogDelivery"
)

// ACL permissions.
const (
	PermFullControl = "FULL_CONTROL"
	PermRead        = "READ"
	PermWrite       = "WRITE"
	PermReadACP     = "READ_ACP"
	PermWriteACP    = "WRITE_ACP"
)

// PublicGrant reports whether g grants to everyone or to every signed
// caller: what Block Public Access calls a public ACL.
func (g Grant) PublicGrant() bool {
	return g.Type == GranteeGroup && (g.URI == GroupAllUsers || g.URI == GroupAuthenticatedUsers)
}

// Public reports whether any grant of a is public; the default ACL (nil)
// is not.
func (a *ACL) Public() bool {
	if a == nil {
		return false
	}
	for _, g := range a.Grants {
		if g.PublicGrant() {
			return true
		}
	}
	return false
}
