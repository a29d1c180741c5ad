package s3api

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"signet/internal/authn"
	"signet/internal/meta"
)

// ACLs as AWS has them today. A bucket's Object Ownership decides whether
// they exist at all: under BucketOwnerEnforced (the default for new
// buckets) a request may set no ACL but the owner's full control
// (AccessControlListNotSupported otherwise), Get*Acl answers that ACL
// whatever was stored before, and the authoriser ignores stored ACLs.
// Under ObjectWriter and BucketOwnerPreferred, canned ACLs, x-amz-grant-*
// headers and AccessControlPolicy bodies are stored on the bucket or
// object record, and the authoriser (package access) grants by them.
//
// Every bucket and object belongs to the one account, so the owner is
// always owner.ID; a grant to it adds nothing (the root may do anything)
// and one to any other canonical ID names no account.

// cannedACLs expands each canned ACL into its grants besides the owner's
// full control, which every canned ACL gives. bucket-owner-read and
// bucket-owner-full-control grant the bucket owner, who is the object
// owner here; aws-exec-read grants EC2, which is not part of signet, so
// only the owner remains.
var cannedACLs = map[string][]meta.Grant{
	"private":                   nil,
	"bucket-owner-full-control": nil,
	"bucket-owner-read":         nil,
	"aws-exec-read":             nil,
	"public-read":               {groupGrant(meta.GroupAllUsers, meta.PermRead)},
	"public-read-write":         {groupGrant(meta.GroupAllUsers, meta.PermRead), groupGrant(meta.GroupAllUsers, meta.PermWrite)},
	"authenticated-read":        {groupGrant(meta.GroupAuthenticatedUsers, meta.PermRead)},
	"log-delivery-write":        {groupGrant(meta.GroupLogDelivery, meta.PermWrite), groupGrant(meta.GroupLogDelivery, meta.PermReadACP)},
}

func groupGrant(uri, perm string) meta.Grant {
	return meta.Grant{Type: meta.GranteeGroup, URI: uri, Permission: perm}
}

func ownerGrant() meta.Grant {
	return meta.Grant{Type: meta.GranteeCanonicalUser, ID: owner.ID, Permission: meta.PermFullControl}
}

// grantHeaders maps each x-amz-grant-* header to the permission it gives,
// in the order S3 lists the grants they make.
var grantHeaders = []struct{ name, perm string }{
	{"x-amz-grant-full-control", meta.PermFullControl},
	{"x-amz-grant-read", meta.PermRead},
	{"x-amz-grant-write", meta.PermWrite},
	{"x-amz-grant-read-acp", meta.PermReadACP},
	{"x-amz-grant-write-acp", meta.PermWriteACP},
}

var permissions = map[string]bool{
	meta.PermFullControl: true, meta.PermRead: true, meta.PermWrite: true,
	meta.PermReadACP: true, meta.PermWriteACP: true,
}

var groups = map[string]bool{
	meta.GroupAllUsers: true, meta.GroupAuthenticatedUsers: true, meta.GroupLogDelivery: true,
}

// amzValue returns an x-amz-* request value from its header or, hoisted by
// a presigner, from the query string, where it is signed like any
// parameter.
func amzValue(h http.Header, q url.Values, name string) (string, bool) {
	if vs, ok := h[http.CanonicalHeaderKey(name)]; ok {
		if len(vs) == 0 {
			return "", true
		}
		return vs[0], true
	}
	for k, vs := range q {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0], true
		}
	}
	return "", false
}

// headerACL returns the ACL a request's x-amz-acl or x-amz-grant-*
// headers set, or nil when it sets none. The result lists the owner's
// full control first for a canned ACL, as S3 stores it; grant headers give
// exactly the grants they name.
func headerACL(h http.Header, q url.Values) (*meta.ACL, error) {
	canned, hasCanned := amzValue(h, q, "x-amz-acl")
	var grants []meta.Grant
	hasGrants := false
	for _, gh := range grantHeaders {
		v, ok := amzValue(h, q, gh.name)
		if !ok {
			continue
		}
		hasGrants = true
		gs, err := parseGrantHeader(gh.name, v, gh.perm)
		if err != nil {
			return nil, err
		}
		grants = append(grants, gs...)
	}
	switch {
	case hasCanned && hasGrants:
		return nil, s3Err(codeInvalidRequest).msg("Specifying both Canned ACLs and Header Grants is not allowed")
	case hasCanned:
		extra, ok := cannedACLs[strings.TrimSpace(canned)]
		if !ok {
			return nil, s3Err(codeInvalidArgument).with("ArgumentName", "x-amz-acl").with("ArgumentValue", canned)
		}
		return &meta.ACL{Grants: append([]meta.Grant{ownerGrant()}, extra...)}, nil
	case hasGrants:
		if len(grants) > maxGrants {
			return nil, s3Err(codeMalformedACLError)
		}
		return &meta.ACL{Grants: grants}, nil
	}
	return nil, nil
}

// parseGrantHeader reads one x-amz-grant-* value: comma-separated
// grantees, each id="…", uri="…" or emailAddress="…" (quotes optional).
func parseGrantHeader(name, v, perm string) ([]meta.Grant, error) {
	var out []meta.Grant
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		typ, val, ok := strings.Cut(part, "=")
		if !ok {
			return nil, s3Err(codeInvalidArgument).with("ArgumentName", name).with("ArgumentValue", v)
		}
		val = strings.Trim(strings.TrimSpace(val), `"`)
		g := meta.Grant{Permission: perm}
		switch strings.ToLower(strings.TrimSpace(typ)) {
		case "id":
			g.Type, g.ID = meta.GranteeCanonicalUser, val
		case "uri":
			g.Type, g.URI = meta.GranteeGroup, val
		case "emailaddress":
			g.Type, g.Email = meta.GranteeEmail, val
		default:
			return nil, s3Err(codeInvalidArgument).with("ArgumentName", name).with("ArgumentValue", v)
		}
		if err := checkGrantee(g); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// checkGrantee refuses a grantee that names no one signet knows, as S3
// does one that names no account: another canonical ID, an unknown group,
// and any email address, since S3 stopped accepting email grantees on
// 1 October 2025 (405 MethodNotAllowed).
func checkGrantee(g meta.Grant) error {
	switch g.Type {
	case meta.GranteeCanonicalUser:
		if g.ID != owner.ID {
			return s3Err(codeInvalidArgument).msg("Invalid id").with("ArgumentName", "CanonicalUser/ID").with("ArgumentValue", g.ID)
		}
	case meta.GranteeGroup:
		if !groups[g.URI] {
			return s3Err(codeInvalidArgument).msg("Invalid group uri").with("ArgumentName", "Group/URI").with("ArgumentValue", g.URI)
		}
	case meta.GranteeEmail:
		return s3Err(codeMethodNotAllowed).msg("The specified method is not allowed against this resource. Email grantees are no longer supported: grant by canonical user ID or to a group.")
	}
	return nil
}

// ownerOnly reports whether an ACL gives nothing beyond the owner's full
// control, the one ACL a BucketOwnerEnforced bucket accepts.
func ownerOnly(acl *meta.ACL) bool {
	if acl == nil {
		return true
	}
	for _, g := range acl.Grants {
		if g.Type != meta.GranteeCanonicalUser || g.ID != owner.ID || g.Permission != meta.PermFullControl {
			return false
		}
	}
	return true
}

// aclToStore judges the ACL a write sets on bucket b (nil: none) and
// returns what to store: nil for the default. A BucketOwnerEnforced bucket
// refuses any other ACL; Block Public Access's BlockPublicAcls, the
// bucket's or the account's (acct, nil: none), refuses a public one with
// 403.
func aclToStore(b *meta.Bucket, acct *meta.PublicAccessBlock, acl *meta.ACL) (*meta.ACL, error) {
	if acl == nil {
		return nil, nil
	}
	if b.Ownership == meta.OwnershipEnforced {
		if !ownerOnly(acl) {
			return nil, s3Err(codeAccessControlListNotSupported)
		}
		return nil, nil
	}
	if pab := b.PublicAccessBlock.Or(acct); pab != nil && pab.BlockPublicAcls && acl.Public() {
		return nil, s3Err(codeAccessDenied)
	}
	if ownerOnly(acl) && len(acl.Grants) == 1 {
		return nil, nil
	}
	return acl, nil
}

// objectACL is the ACL a PutObject, CopyObject, CreateMultipartUpload or
// POST (h: its headers or form fields) sets on a new object in b, checked
// against the bucket's settings. Setting one takes s3:PutObjectAcl as
// well, as on AWS.
func (a *API) objectACL(rq *request, b *meta.Bucket, h http.Header, q url.Values, key string) (*meta.ACL, error) {
	acl, err := headerACL(h, q)
	if err != nil || acl == nil {
		return nil, err
	}
	acct, err := a.cfg.Meta.AccountPublicAccessBlock(rq.r.Context())
	if err != nil {
		return nil, err
	}
	stored, err := aclToStore(b, acct, acl)
	if err != nil {
		return nil, err
	}
	if stored != nil && !a.allowed(rq, "s3:PutObjectAcl", rq.bucket, key, true) {
		return nil, s3Err(codeAccessDenied)
	}
	return stored, nil
}

func (a *API) getACL(rq *request) error {
	b, err := a.requireBucket(rq)
	if err != nil {
		return err
	}
	acl := b.ACL
	if rq.key != "" {
		o, err := a.headObjectRecord(rq)
		if err != nil {
			return err
		}
		acl = o.ACL
	}
	if b.Ownership == meta.OwnershipEnforced {
		// ACLs are disabled: whatever was stored no longer counts.
		acl = nil
	}
	return writeACL(rq.w, acl)
}

// writeACL answers an AccessControlPolicy: the default ACL is the
// owner's full control.
func writeACL(w http.ResponseWriter, acl *meta.ACL) error {
	grants := []meta.Grant{ownerGrant()}
	if acl != nil {
		grants = acl.Grants
	}
	var b strings.Builder
	b.WriteString(xmlHeader)
	b.WriteString(`<AccessControlPolicy xmlns="` + s3NS + `"><Owner><ID>` + owner.ID + `</ID><DisplayName>` + owner.DisplayName + `</DisplayName></Owner><AccessControlList>`)
	for _, g := range grants {
		b.WriteString(`<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="` + g.Type + `">`)
		switch g.Type {
		case meta.GranteeCanonicalUser:
			b.WriteString(`<ID>`)
			xmlEscape(&b, g.ID)
			b.WriteString(`</ID>`)
			if g.ID == owner.ID {
				b.WriteString(`<DisplayName>` + owner.DisplayName + `</DisplayName>`)
			}
		case meta.GranteeGroup:
			b.WriteString(`<URI>`)
			xmlEscape(&b, g.URI)
			b.WriteString(`</URI>`)
		case meta.GranteeEmail:
			b.WriteString(`<EmailAddress>`)
			xmlEscape(&b, g.Email)
			b.WriteString(`</EmailAddress>`)
		}
		b.WriteString(`</Grantee><Permission>` + g.Permission + `</Permission></Grant>`)
	}
	b.WriteString(`</AccessControlList></AccessControlPolicy>`)
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, b.String())
	return nil
}

// maxACLElems is the most elements an AccessControlPolicy body can need:
// the root, Owner with ID and DisplayName, AccessControlList, then S3's 100
// grants of Grant, Grantee, ID, DisplayName, URI, EmailAddress and
// Permission.
const maxACLElems = 5 + maxGrants*7

// maxGrants is S3's limit on the grants of one ACL.
const maxGrants = 100

type accessControlPolicy struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	Owner   *struct {
		ID string `xml:"ID"`
	} `xml:"Owner"`
	Grants []aclGrantXML `xml:"AccessControlList>Grant"`
}

type aclGrantXML struct {
	Grantee *struct {
		Type  string `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr"`
		ID    string `xml:"ID"`
		URI   string `xml:"URI"`
		Email string `xml:"EmailAddress"`
	} `xml:"Grantee"`
	Permission string `xml:"Permission"`
}

// parseACLBody reads a PutBucketAcl or PutObjectAcl body. A body that
// does not parse, has no Owner, or has a grant without a grantee or with
// an unknown permission or grantee type is MalformedACLError, as S3
// answers it; an Owner other than the account is AccessDenied (an ACL
// cannot hand an object over).
func parseACLBody(body io.Reader) (*meta.ACL, error) {
	var acp accessControlPolicy
	if err := readXML(body, 64<<10, maxACLElems, maxGrants, &acp); err != nil {
		if ae, ok := err.(*apiError); ok && ae.Code == codeMalformedXML {
			return nil, s3Err(codeMalformedACLError)
		}
		return nil, err
	}
	if acp.Owner == nil {
		return nil, s3Err(codeMalformedACLError)
	}
	if acp.Owner.ID != owner.ID {
		// Ownership cannot be handed over with an ACL.
		return nil, s3Err(codeAccessDenied)
	}
	acl := &meta.ACL{Grants: []meta.Grant{}}
	for _, gx := range acp.Grants {
		g, err := grantFromXML(gx)
		if err != nil {
			return nil, err
		}
		acl.Grants = append(acl.Grants, g)
	}
	return acl, nil
}

func grantFromXML(gx aclGrantXML) (meta.Grant, error) {
	if gx.Grantee == nil || !permissions[gx.Permission] {
		return meta.Grant{}, s3Err(codeMalformedACLError)
	}
	g := meta.Grant{Type: gx.Grantee.Type, Permission: gx.Permission}
	switch g.Type {
	case meta.GranteeCanonicalUser:
		g.ID = strings.TrimSpace(gx.Grantee.ID)
	case meta.GranteeGroup:
		g.URI = strings.TrimSpace(gx.Grantee.URI)
	case meta.GranteeEmail:
		g.Email = strings.TrimSpace(gx.Grantee.Email)
	default:
		return meta.Grant{}, s3Err(codeMalformedACLError)
	}
	return g, checkGrantee(g)
}

func (a *API) putACL(rq *request) error {
	b, err := a.requireBucket(rq)
	if err != nil {
		return err
	}
	if rq.key != "" {
		if _, err := a.headObjectRecord(rq); err != nil {
			return err
		}
	}
	acl, err := headerACL(rq.r.Header, rq.query)
	if err != nil {
		return err
	}
	if acl == nil {
		if acl, err = parseACLBody(rq.res.Body); err != nil {
			return err
		}
	} else if n, _ := io.ReadFull(rq.res.Body, make([]byte, 1)); n > 0 {
		// Headers and a body at once: S3 takes neither.
		return s3Err(codeUnexpectedContent)
	}
	ctx := rq.r.Context()
	// The account's setting is read outside the update: the store's
	// reads are not to run inside its own write.
	acct, err := a.cfg.Meta.AccountPublicAccessBlock(ctx)
	if err != nil {
		return err
	}
	stored, err := aclToStore(&b, acct, acl)
	if err != nil {
		return err
	}
	if rq.key == "" {
		err = a.cfg.Meta.UpdateBucket(ctx, rq.bucket, func(mb *meta.Bucket) error {
			// Judged again inside the update: the settings may have
			// changed since they were read.
			s, err := aclToStore(mb, acct, acl)
			mb.ACL = s
			return err
		})
	} else if v, ok := rq.query["versionId"]; ok {
		err = versionWriteErr(rq, v[0], a.cfg.Meta.SetObjectVersionACL(ctx, rq.bucket, rq.key, v[0], stored))
	} else {
		err = a.cfg.Meta.SetObjectACL(ctx, rq.bucket, rq.key, stored)
	}
	if err != nil {
		return noSuchBucket(err, rq.bucket)
	}
	rq.w.WriteHeader(http.StatusOK)
	return nil
}

// formACL is objectACL for a POST form, whose acl field is its
// x-amz-acl and whose signer is in the form, not the request.
func (a *API) formACL(r *http.Request, res *authn.Result, b *meta.Bucket, fields http.Header, bucket, key string) (*meta.ACL, error) {
	acl, err := headerACL(fields, nil)
	if err != nil || acl == nil {
		return nil, err
	}
	acct, err := a.cfg.Meta.AccountPublicAccessBlock(r.Context())
	if err != nil {
		return nil, err
	}
	stored, err := aclToStore(b, acct, acl)
	if err != nil {
		return nil, err
	}
	if stored != nil {
		if err := a.cfg.Authz.Authorize(r, res, "s3:PutObjectAcl", arn(bucket, key, true)); err != nil {
			return nil, denial(err)
		}
	}
	return stored, nil
}
