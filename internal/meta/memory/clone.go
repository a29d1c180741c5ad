package memory

import (
	"bytes"
	"maps"
	"slices"

	"signet/internal/meta"
)

// Deep copies, so that no record the store holds shares a map, slice or
// pointer with one a caller holds.

func cloneTags(ts []meta.Tag) []meta.Tag { return slices.Clone(ts) }

func cloneACL(a *meta.ACL) *meta.ACL {
	if a == nil {
		return nil
	}
	return &meta.ACL{Grants: slices.Clone(a.Grants)}
}

func clonePAB(p *meta.PublicAccessBlock) *meta.PublicAccessBlock {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

func cloneAttrs(a meta.Attrs) meta.Attrs {
	a.UserMeta = maps.Clone(a.UserMeta)
	return a
}

func cloneBucket(b meta.Bucket) meta.Bucket {
	b.Tags = cloneTags(b.Tags)
	b.PublicAccessBlock = clonePAB(b.PublicAccessBlock)
	b.ACL = cloneACL(b.ACL)
	return b
}

func cloneObject(o meta.Object) meta.Object {
	o.Attrs = cloneAttrs(o.Attrs)
	o.Checksums = maps.Clone(o.Checksums)
	o.Segments = slices.Clone(o.Segments)
	for i := range o.Segments {
		o.Segments[i].Checksums = maps.Clone(o.Segments[i].Checksums)
	}
	o.Tags = cloneTags(o.Tags)
	o.ACL = cloneACL(o.ACL)
	o.SSECustomerKeyCheck = bytes.Clone(o.SSECustomerKeyCheck)
	return o
}

func cloneUpload(u meta.Upload) meta.Upload {
	u.Attrs = cloneAttrs(u.Attrs)
	u.Tags = cloneTags(u.Tags)
	u.ACL = cloneACL(u.ACL)
	u.SSECustomerKeyCheck = bytes.Clone(u.SSECustomerKeyCheck)
	return u
}

func clonePart(p meta.Part) meta.Part {
	p.Checksums = maps.Clone(p.Checksums)
	return p
}

func cloneCompleted(c meta.CompletedUpload) meta.CompletedUpload {
	c.Checksums = maps.Clone(c.Checksums)
	return c
}

func cloneAccessKey(k meta.AccessKey) meta.AccessKey {
	k.SealedSecret = bytes.Clone(k.SealedSecret)
	return k
}

func cloneSession(s meta.Session) meta.Session {
	s.SealedSecret = bytes.Clone(s.SealedSecret)
	s.TokenHash = bytes.Clone(s.TokenHash)
	s.SessionPolicyARNs = slices.Clone(s.SessionPolicyARNs)
	return s
}
