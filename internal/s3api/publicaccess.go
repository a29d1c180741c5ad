package s3api

import (
	"encoding/xml"
	"io"
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

// readBody reads a small configuration body of at most limit bytes
// (MaxMessageLengthExceeded past it). Like PutBucketCors, these
// operations require an integrity header (Content-MD5, or an
// x-amz-checksum-* the SDKs send since 2025), checked against the body.
func readBody(rq *request, limit int64) ([]byte, error) {
	digests, err := newBodyDigests(rq.r.Header)
	if err != nil {
		return nil, err
	}
	if digests.md5 == nil && digests.sum == nil {
		return nil, s3Err(codeInvalidRequest).msg("Missing required header for this request: Content-MD5")
	}
	data, err := io.ReadAll(io.LimitReader(io.TeeReader(rq.res.Body, digests), limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, s3Err(codeMaxMessageLengthExceeded)
	}
	if err := digests.check(rq.res); err != nil {
		return nil, err
	}
	return data, nil
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
// Public Access has BlockPublicPolicy, with S3's 403.
func (a *API) blockPublicPolicy(rq *request, body []byte) error {
	b, err := a.requireBucket(rq)
	if err != nil || b.PublicAccessBlock == nil || !b.PublicAccessBlock.BlockPublicPolicy {
		return err
	}
	doc, err := policy.Parse(policy.Resource, body)
	if err == nil && doc.Public() {
		return s3Err(codeAccessDenied)
	}
	return nil
}

// refuseS3Control refuses the S3 Control API, which AWS serves on its own
// endpoint (ACCOUNT.s3-control.REGION.amazonaws.com) under /v20180820/,
// naming the account in x-amz-account-id: the account-level Block Public
// Access configuration is not implemented, and such a request must not
// be taken for an object in a bucket named v20180820.
func refuseS3Control(rq *request) error {
	if rq.bucket != "v20180820" || rq.r.Header.Get("x-amz-account-id") == "" {
		return nil
	}
	op := "the S3 Control API"
	if rq.key == "configuration/publicAccessBlock" {
		op = verb(rq.r.Method) + "PublicAccessBlock (S3 Control)"
	}
	return notImplemented("the S3 Control API (account-level Block Public Access)", "the x-amz-account-id header", op)
}
