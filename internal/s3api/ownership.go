package s3api

import (
	"encoding/xml"
	"net/http"
	"strings"

	"signet/internal/meta"
)

// Object Ownership: PutBucketOwnershipControls, GetBucketOwnershipControls,
// DeleteBucketOwnershipControls, and x-amz-object-ownership on
// CreateBucket. A bucket created without the header is BucketOwnerEnforced,
// as on AWS since April 2023; one whose controls were deleted behaves as
// ObjectWriter (ACLs enabled) and answers OwnershipControlsNotFoundError.

var ownerships = map[string]bool{
	meta.OwnershipEnforced: true, meta.OwnershipPreferred: true, meta.OwnershipWriter: true,
}

type ownershipControls struct {
	XMLName xml.Name `xml:"OwnershipControls"`
	NS      string   `xml:"xmlns,attr,omitempty"`
	Rules   []struct {
		ObjectOwnership string `xml:"ObjectOwnership"`
	} `xml:"Rule"`
}

// maxOwnershipElems bounds an OwnershipControls body: the root and a few
// rules of two elements (S3 allows exactly one).
const maxOwnershipElems = 1 + 4*2

// parseOwnershipControls reads a PutBucketOwnershipControls body: exactly
// one rule naming a known setting, else MalformedXML, as S3 answers.
func parseOwnershipControls(data []byte) (string, error) {
	var oc ownershipControls
	if err := readXML(strings.NewReader(string(data)), 8<<10, maxOwnershipElems, 4, &oc); err != nil {
		return "", err
	}
	if len(oc.Rules) != 1 || !ownerships[strings.TrimSpace(oc.Rules[0].ObjectOwnership)] {
		return "", s3Err(codeMalformedXML)
	}
	return strings.TrimSpace(oc.Rules[0].ObjectOwnership), nil
}

// ownershipHeader reads x-amz-object-ownership on CreateBucket: the
// setting, OwnershipEnforced when absent, InvalidArgument when unknown.
func ownershipHeader(h http.Header) (string, error) {
	v := h.Get("x-amz-object-ownership")
	if v == "" {
		return meta.OwnershipEnforced, nil
	}
	if !ownerships[v] {
		return "", s3Err(codeInvalidArgument).msg("Invalid x-amz-object-ownership header").
			with("ArgumentName", "x-amz-object-ownership").with("ArgumentValue", v)
	}
	return v, nil
}

// errEnforcedWithACL: BucketOwnerEnforced asked for while the bucket's
// ACL grants others.
func errEnforcedWithACL() *apiError { return s3Err(codeInvalidBucketAclWithObjectOwnership) }

func (a *API) putBucketOwnershipControls(rq *request) error {
	if _, err := a.requireBucket(rq); err != nil {
		return err
	}
	data, err := readBody(rq, 8<<10)
	if err != nil {
		return err
	}
	setting, err := parseOwnershipControls(data)
	if err != nil {
		return err
	}
	err = a.cfg.Meta.UpdateBucket(rq.r.Context(), rq.bucket, func(b *meta.Bucket) error {
		if setting == meta.OwnershipEnforced && !ownerOnly(b.ACL) {
			return errEnforcedWithACL()
		}
		b.Ownership = setting
		return nil
	})
	if err != nil {
		return noSuchBucket(err, rq.bucket)
	}
	setStatusNoBody(rq.w, http.StatusOK)
	return nil
}

func (a *API) getBucketOwnershipControls(rq *request) error {
	b, err := a.requireBucket(rq)
	if err != nil {
		return err
	}
	if b.Ownership == "" {
		return s3Err(codeOwnershipControlsNotFoundError).with("BucketName", rq.bucket)
	}
	var out ownershipControls
	out.NS = s3NS
	out.Rules = append(out.Rules, struct {
		ObjectOwnership string `xml:"ObjectOwnership"`
	}{b.Ownership})
	return writeXML(rq.w, http.StatusOK, out)
}

func (a *API) deleteBucketOwnershipControls(rq *request) error {
	err := a.cfg.Meta.UpdateBucket(rq.r.Context(), rq.bucket, func(b *meta.Bucket) error {
		b.Ownership = ""
		return nil
	})
	if err != nil {
		return noSuchBucket(err, rq.bucket)
	}
	setStatusNoBody(rq.w, http.StatusNoContent)
	return nil
}

// newBucketAccess reads a CreateBucket's x-amz-object-ownership and ACL
// headers into the new bucket's settings. BucketOwnerEnforced (the
// default) with an ACL granting others is InvalidBucketAclWithObjectOwnership;
// any public ACL is InvalidBucketAclWithBlockPublicAccessError, since the
// new bucket blocks public access.
// Each setting takes its own permission as well as s3:CreateBucket, as on
// AWS: s3:PutBucketOwnershipControls for the header, s3:PutBucketAcl for
// an ACL.
func (a *API) newBucketAccess(rq *request) (meta.Bucket, error) {
	var b meta.Bucket
	setting, err := ownershipHeader(rq.r.Header)
	if err != nil {
		return b, err
	}
	acl, err := headerACL(rq.r.Header, rq.query)
	if err != nil {
		return b, err
	}
	if setting == meta.OwnershipEnforced && !ownerOnly(acl) {
		return b, errEnforcedWithACL()
	}
	if rq.r.Header.Get("x-amz-object-ownership") != "" && !a.allowed(rq, "s3:PutBucketOwnershipControls", rq.bucket, "", false) {
		return b, s3Err(codeAccessDenied)
	}
	b.Ownership = setting
	// Every new bucket blocks public access, as on AWS since April 2023:
	// the owner turns it off (DeletePublicAccessBlock or
	// PutPublicAccessBlock) before making anything public.
	b.PublicAccessBlock = &meta.PublicAccessBlock{BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true}
	if acl.Public() {
		return b, s3Err(codeInvalidBucketAclWithBlockPublicAccessError)
	}
	// The new bucket's own settings are all on, so the account's add nothing.
	if b.ACL, err = aclToStore(&b, nil, acl); err != nil {
		return b, err
	}
	if b.ACL != nil && !a.allowed(rq, "s3:PutBucketAcl", rq.bucket, "", false) {
		return b, s3Err(codeAccessDenied)
	}
	return b, nil
}
