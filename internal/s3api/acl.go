package s3api

import (
	"io"
	"net/http"
	"strconv"
	"strings"
)

// ACLs are not modelled: every bucket and object is private to the one
// account and access is decided by policy. GET returns that canned private
// ACL; PUT accepts only the owner's full control and answers anything else
// AccessControlListNotSupported, as AWS's default bucket (Object Ownership
// BucketOwnerEnforced) does.

func (a *API) getACL(rq *request) error {
	if err := a.aclTargetExists(rq); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(xmlHeader)
	b.WriteString(`<AccessControlPolicy xmlns="` + s3NS + `"><Owner><ID>` + owner.ID + `</ID><DisplayName>` + owner.DisplayName + `</DisplayName></Owner>`)
	b.WriteString(`<AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>` + owner.ID + `</ID><DisplayName>` + owner.DisplayName + `</DisplayName></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>`)
	h := rq.w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	rq.w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(rq.w, b.String())
	return nil
}

func (a *API) aclTargetExists(rq *request) error {
	if rq.key == "" {
		_, err := a.requireBucket(rq)
		return err
	}
	_, err := a.headObjectRecord(rq)
	return err
}

// maxACLElems is the most elements an AccessControlPolicy body can need:
// the root, Owner with ID and DisplayName, AccessControlList, then S3's 100
// grants of Grant, Grantee, ID, DisplayName, URI, EmailAddress and
// Permission.
const maxACLElems = 5 + maxGrants*7

// maxGrants is S3's limit on the grants of one ACL.
const maxGrants = 100

type accessControlPolicy struct {
	Grants []struct {
		Grantee struct {
			ID  string `xml:"ID"`
			URI string `xml:"URI"`
		} `xml:"Grantee"`
		Permission string `xml:"Permission"`
	} `xml:"AccessControlList>Grant"`
}

func (a *API) putACL(rq *request) error {
	if err := a.aclTargetExists(rq); err != nil {
		return err
	}
	// x-amz-acl and x-amz-grant-* were checked by the router (refuse.go);
	// a canned "private" (or bucket-owner-full-control) needs no body.
	if rq.r.Header.Get("x-amz-acl") == "" {
		var acp accessControlPolicy
		if err := readXML(rq.res.Body, 64<<10, maxACLElems, maxGrants, &acp); err != nil {
			return err
		}
		// Only the owner's FULL_CONTROL (the private ACL) is expressible.
		for _, g := range acp.Grants {
			if g.Permission != "FULL_CONTROL" || g.Grantee.URI != "" || (g.Grantee.ID != "" && g.Grantee.ID != owner.ID) {
				e := s3Err(codeAccessControlListNotSupported)
				return e.msg(e.Message + ". signet does not implement ACL grants: an AccessControlPolicy granting " + g.Permission + " to anyone but the owner on " + aclOp(rq) + " is refused, not ignored. Grant access with a bucket policy.")
			}
		}
	}
	rq.w.WriteHeader(http.StatusOK)
	return nil
}

// aclOp names the ACL write rq is.
func aclOp(rq *request) string {
	if rq.key == "" {
		return "PutBucketAcl"
	}
	return "PutObjectAcl"
}
