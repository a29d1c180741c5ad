package s3api

import (
	"encoding/xml"
	"net/http"
	"strings"

	"signet/internal/meta"
	"signet/internal/policy"
)

// Block Public Access on a bucket (PutPublicAccessBlock,
// GetPublicAccessBlock, DeletePublicAccessBlock) and GetBucketPolicyStatus.
// The settings act in three places: BlockPublicAcls in aclToStore (a
// write that sets a public ACL is 403), BlockPublicPolicy in
// putBucketPolicy (a public policy is 403), IgnorePublicAcls and
// RestrictPublicBuckets in the authoriser (package access).

type publicAccessBlockXML struct {
	XMLName               xml.Name `xml:"PublicAccessBlockConfiguration"`
	NS                    string   `xml:"xmlns,attr,omitempty"`
	BlockPublicAcls       string   `xml:"BlockPublicAcls"`
	IgnorePublicAcls      string   `xml:"IgnorePublicAcls"`
	BlockPublicPolicy     string   `xml:"BlockPublicPolicy"`
	RestrictPublicBuckets string   `xml:"RestrictPublicBuckets"`
}

// maxPublicAccessBlockElems: the root and its four settings, each once.
const maxPublicAccessBlockElems = 5

// parsePublicAccessBlock reads a PutPublicAccessBlock body. A setting
// left out is false; one that is not a boolean is MalformedXML.
func parsePublicAccessBlock(data []byte) (*meta.PublicAccessBlock, error) {
	var x publicAccessBlockXML
	if err := readXML(strings.NewReader(string(data)), 8<<10, maxPublicAccessBlockElems, 4, &x); err != nil {
		return nil, err
	}
	var p meta.PublicAccessBlock
	for _, f := range []struct {
		v   string
		dst *bool
	}{
		{x.BlockPublicAcls, &p.BlockPublicAcls}, {x.IgnorePublicAcls, &p.IgnorePublicAcls},
		{x.BlockPublicPolicy, &p.BlockPublicPolicy}, {x.RestrictPublicBuckets, &p.RestrictPublicBuckets},
	} {
		switch strings.TrimSpace(f.v) {
		case "", "false":
		case "true":
			*f.dst = true
		default:
			return nil, s3Err(codeMalformedXML)
		}
	}
	return &p, nil
}

// readBody reads a small configuration body (readConfigBody). Like
// PutBucketCors, these operations require an integrity header
// (Content-MD5, or an x-amz-checksum-* the SDKs send since 2025).
func readBody(rq *request, limit int64) ([]byte, error) {
	return readConfigBody(rq, limit, true)
}

func (a *API) putPublicAccessBlock(rq *request) error {
	if _, err := a.requireBucket(rq); err != nil {
		return err
	}
	data, err := readBody(rq, 8<<10)
	if err != nil {
		return err
	}
	p, err := parsePublicAccessBlock(data)
	if err != nil {
		return err
	}
	err = a.cfg.Meta.UpdateBucket(rq.r.Context(), rq.bucket, func(b *meta.Bucket) error {
		b.PublicAccessBlock = p
		return nil
	})
	if err != nil {
		return noSuchBucket(err, rq.bucket)
	}
	setStatusNoBody(rq.w, http.StatusOK)
	return nil
}

func (a *API) getPublicAccessBlock(rq *request) error {
	b, err := a.requireBucket(rq)
	if err != nil {
		return err
	}
	p := b.PublicAccessBlock
	if p == nil {
		return s3Err(codeNoSuchPublicAccessBlockConfiguration).with("BucketName", rq.bucket)
	}
	return writeXML(rq.w, http.StatusOK, publicAccessBlockXML{
		NS:                    s3NS,
		BlockPublicAcls:       boolText(p.BlockPublicAcls),
		IgnorePublicAcls:      boolText(p.IgnorePublicAcls),
		BlockPublicPolicy:     boolText(p.BlockPublicPolicy),
		RestrictPublicBuckets: boolText(p.RestrictPublicBuckets),
	})
}

func boolText(v bool) string {
	if v {
		return "true"
	}
	return "false"
}

func (a *API) deletePublicAccessBlock(rq *request) error {
	err := a.cfg.Meta.UpdateBucket(rq.r.Context(), rq.bucket, func(b *meta.Bucket) error {
		b.PublicAccessBlock = nil
		return nil
	})
	if err != nil {
		return noSuchBucket(err, rq.bucket)
	}
	setStatusNoBody(rq.w, http.StatusNoContent)
	return nil
}

type policyStatusXML struct {
	XMLName  xml.Name `xml:"PolicyStatus"`
	NS       string   `xml:"xmlns,attr"`
	IsPublic bool     `xml:"IsPublic"`
}

// getBucketPolicyStatus answers whether the bucket policy is public, as
// S3 defines it (policy.Document.Public); a bucket without a policy is
// NoSuchBucketPolicy.
func (a *API) getBucketPolicyStatus(rq *request) error {
	if a.cfg.Policies == nil {
		return s3Err(codeNotImplemented)
	}
	if _, err := a.requireBucket(rq); err != nil {
		return err
	}
	doc, err := a.cfg.Policies.GetBucketPolicy(rq.r.Context(), rq.bucket)
	if err != nil {
		return noSuchBucket(err, rq.bucket)
	}
	parsed, err := policy.Parse(policy.Resource, []byte(doc))
	if err != nil {
		return err
	}
	return writeXML(rq.w, http.StatusOK, policyStatusXML{NS: s3NS, IsPublic: parsed.Public()})
}

// blockPublicPolicy refuses a public policy on a bucket whose Block
// Public Access, its own or the account's, has BlockPublicPolicy, with
// S3's 403.
func (a *API) blockPublicPolicy(rq *request, body []byte) error {
	b, err := a.requireBucket(rq)
	if err != nil {
		return err
	}
	acct, err := a.cfg.Meta.AccountPublicAccessBlock(rq.r.Context())
	if err != nil {
		return err
	}
	if pab := b.PublicAccessBlock.Or(acct); pab == nil || !pab.BlockPublicPolicy {
		return nil
	}
	doc, err := policy.Parse(policy.Resource, body)
	if err == nil && doc.Public() {
		return s3Err(codeAccessDenied)
	}
	return nil
}
