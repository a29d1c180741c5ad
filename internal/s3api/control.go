package s3api

import (
	"io"
	"net/http"
	"strings"
)

// The S3 Control API's account-level Block Public Access
// (PutPublicAccessBlock, GetPublicAccessBlock, DeletePublicAccessBlock
// under /v20180820/configuration/publicAccessBlock). AWS serves S3 Control
// on its own endpoint, ACCOUNT.s3-control.REGION.amazonaws.com, and the
// SDKs prefix the account to whatever endpoint they are given
// (ACCOUNT.localhost:9000), naming it again in x-amz-account-id. signet
// serves it on the S3 endpoint: a request is S3 Control when its path is
// under /v20180820/ and it carries x-amz-account-id. A bucket may be named
// v20180820, so the header decides; S3 clients never send it. Such a
// request's Host is never read as a virtual-hosted bucket.
//
// The settings act where the bucket's do, each the account's or the
// bucket's, whichever is on: BlockPublicAcls in aclToStore,
// BlockPublicPolicy in blockPublicPolicy, IgnorePublicAcls and
// RestrictPublicBuckets in the authoriser. GetBucketPolicyStatus stays
// about the policy alone, as on AWS.

const (
	controlPrefix = "/v20180820/"
	// controlPABPath is the one S3 Control resource signet serves.
	controlPABPath = controlPrefix + "configuration/publicAccessBlock"
	// controlNS is the S3 Control XML namespace.
	controlNS = "http://awss3control.amazonaws.com/doc/2018-08-20/"
)

// isS3Control reports whether r is an S3 Control request.
func isS3Control(r *http.Request) bool {
	return strings.HasPrefix(r.URL.EscapedPath(), controlPrefix) && r.Header.Get("x-amz-account-id") != ""
}

// resolveS3Control picks the S3 Control operation. The account named must
// be signet's one account: any other, well-formed or not, is AWS's 403
// AccessDenied for an account the caller cannot act on. Delete is
// authorised as Put, as AWS documents. Every other S3 Control operation is
// refused as not implemented.
func (a *API) resolveS3Control(rq *request) (route, error) {
	if rq.r.URL.EscapedPath() != controlPABPath {
		return route{}, notImplemented("the S3 Control API beyond account-level Block Public Access", "the x-amz-account-id header", "the S3 Control API")
	}
	if rq.r.Header.Get("x-amz-account-id") != a.cfg.Account {
		return route{}, s3Err(codeAccessDenied)
	}
	rt := route{resource: "*"}
	switch rq.r.Method {
	case http.MethodGet:
		rt.op, rt.action, rt.handle = "GetAccountPublicAccessBlock", "s3:GetAccountPublicAccessBlock", (*API).getAccountPublicAccessBlock
	case http.MethodPut:
		rt.op, rt.action, rt.handle = "PutAccountPublicAccessBlock", "s3:PutAccountPublicAccessBlock", (*API).putAccountPublicAccessBlock
	case http.MethodDelete:
		rt.op, rt.action, rt.handle = "DeleteAccountPublicAccessBlock", "s3:PutAccountPublicAccessBlock", (*API).deleteAccountPublicAccessBlock
	default:
		return route{}, s3Err(codeMethodNotAllowed)
	}
	return rt, nil
}

// putAccountPublicAccessBlock stores the body's configuration. Unlike the
// bucket-level operation, S3 Control does not require Content-MD5 or a
// checksum (the SDKs send neither), but one that is sent must match.
func (a *API) putAccountPublicAccessBlock(rq *request) error {
	data, err := readConfigBody(rq, 8<<10, false)
	if err != nil {
		return err
	}
	p, err := parsePublicAccessBlock(data)
	if err != nil {
		return err
	}
	if err := a.cfg.Meta.PutAccountPublicAccessBlock(rq.r.Context(), *p); err != nil {
		return err
	}
	setStatusNoBody(rq.w, http.StatusOK)
	return nil
}

func (a *API) getAccountPublicAccessBlock(rq *request) error {
	p, err := a.cfg.Meta.AccountPublicAccessBlock(rq.r.Context())
	if err != nil {
		return err
	}
	if p == nil {
		return s3Err(codeNoSuchPublicAccessBlockConfiguration).with("AccountId", a.cfg.Account)
	}
	return writeXML(rq.w, http.StatusOK, publicAccessBlockXML{
		NS:                    controlNS,
		BlockPublicAcls:       boolText(p.BlockPublicAcls),
		IgnorePublicAcls:      boolText(p.IgnorePublicAcls),
		BlockPublicPolicy:     boolText(p.BlockPublicPolicy),
		RestrictPublicBuckets: boolText(p.RestrictPublicBuckets),
	})
}

func (a *API) deleteAccountPublicAccessBlock(rq *request) error {
	if err := a.cfg.Meta.DeleteAccountPublicAccessBlock(rq.r.Context()); err != nil {
		return err
	}
	setStatusNoBody(rq.w, http.StatusNoContent)
	return nil
}

// controlErrorBody renders an error as S3 Control does: S3's <Error>
// inside <ErrorResponse>, with RequestId and HostId beside it (the SDKs
// read Code and Message one level down).
func controlErrorBody(e *apiError, reqID string) string {
	var b strings.Builder
	b.WriteString(xmlHeader)
	b.WriteString("<ErrorResponse><Error>")
	writeErrorElements(&b, e)
	b.WriteString("</Error><RequestId>")
	xmlEscape(&b, reqID)
	b.WriteString("</RequestId><HostId>")
	xmlEscape(&b, hostID(reqID))
	b.WriteString("</HostId></ErrorResponse>")
	return b.String()
}

// readConfigBody reads a small configuration body of at most limit bytes
// (MaxMessageLengthExceeded past it), checked against any Content-MD5 or
// x-amz-checksum-* sent; requireDigest refuses a body sent with neither.
func readConfigBody(rq *request, limit int64, requireDigest bool) ([]byte, error) {
	digests, err := newBodyDigests(rq.r.Header)
	if err != nil {
		return nil, err
	}
	if requireDigest && digests.md5 == nil && digests.sum == nil {
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
