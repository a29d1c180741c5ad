package s3api

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"hash"
	"io"
	"net/http"

	"signet/internal/authn"
	"signet/internal/meta"
	"signet/internal/storage"
)

const (
	maxDeleteKeys = 1000
	// maxDeleteBody fits 1000 keys of 1024 bytes with their XML, escaped.
	maxDeleteBody = 2 << 20
	// maxDeleteElems is the most elements a Delete body can need: Delete
	// and Quiet, then per key Object, Key, VersionId, ETag,
	// LastModifiedTime and Size. Decoding stops at the next one.
	maxDeleteElems = 2 + maxDeleteKeys*6
)

type deleteRequest struct {
	XMLName xml.Name          `xml:"Delete"`
	Quiet   bool              `xml:"Quiet"`
	Objects []deleteObjectXML `xml:"Object"`
	Other   []bodyElement     `xml:",any"`
}

// deleteObjectXML is one <Object>. Every element but Key and VersionId
// selects a feature signet lacks (a condition), so each is caught and
// judged.
type deleteObjectXML struct {
	Key       string        `xml:"Key"`
	VersionID *string       `xml:"VersionId"`
	Other     []bodyElement `xml:",any"`
}

// versionID is the <VersionId> the entry names, "" when none.
func (o deleteObjectXML) versionID() string {
	if o.VersionID == nil {
		return ""
	}
	return *o.VersionID
}

type deleteResult struct {
	XMLName xml.Name       `xml:"DeleteResult"`
	NS      string         `xml:"xmlns,attr"`
	Deleted []deletedXML   `xml:"Deleted"`
	Errors  []deleteErrXML `xml:"Error"`
}

type deletedXML struct {
	Key                   string `xml:"Key"`
	VersionID             string `xml:"VersionId,omitempty"`
	DeleteMarker          bool   `xml:"DeleteMarker,omitempty"`
	DeleteMarkerVersionID string `xml:"DeleteMarkerVersionId,omitempty"`
}

type deleteErrXML struct {
	Key       string `xml:"Key"`
	VersionID string `xml:"VersionId,omitempty"`
	Code      string `xml:"Code"`
	Message   string `xml:"Message"`
}

// deleteObjects is POST ?delete: up to 1000 keys, each authorised and
// deleted on its own; per-key failures go in the body, not the status.
func (a *API) deleteObjects(rq *request) error {
	b, err := a.requireBucket(rq)
	if err != nil {
		return err
	}
	digests, err := newBodyDigests(rq.r.Header)
	if err != nil {
		return err
	}
	var req deleteRequest
	if err := readXML(io.TeeReader(rq.res.Body, digests), maxDeleteBody, maxDeleteElems, maxDeleteKeys+1, &req); err != nil {
		return err
	}
	if err := digests.check(rq.res); err != nil {
		return err
	}
	if len(req.Objects) == 0 || len(req.Objects) > maxDeleteKeys {
		return s3Err(codeMalformedXML)
	}
	if err := checkDeleteSchema(req); err != nil {
		return err
	}
	out := deleteResult{NS: s3NS}
	for _, o := range req.Objects {
		// A version or a condition fails its own key, as any per-key
		// failure does, and never falls back to deleting the current
		// object.
		fail := refuseElements("DeleteObjects", o.Other)
		var done deletedXML
		if fail == nil {
			done, fail = a.deleteOne(rq, b, o)
		}
		if fail != nil {
			out.Errors = append(out.Errors, deleteErrXML{Key: o.Key, VersionID: o.versionID(), Code: fail.Code.String(), Message: fail.Message})
			continue
		}
		if !req.Quiet {
			out.Deleted = append(out.Deleted, done)
		}
	}
	return writeXML(rq.w, http.StatusOK, out)
}

// checkDeleteSchema refuses, as AWS's schema check does for the whole
// request, an element that DeleteObjects does not have at all.
func checkDeleteSchema(req deleteRequest) error {
	if len(req.Other) > 0 {
		return s3Err(codeMalformedXML)
	}
	for _, o := range req.Objects {
		for _, el := range o.Other {
			if _, known := refuseElement("DeleteObjects", el.XMLName.Local, ""); !known {
				return s3Err(codeMalformedXML)
			}
		}
	}
	return nil
}

// deleteOne deletes one entry as DeleteObject would, authorised as
// s3:DeleteObjectVersion when it names a version, and says what went in
// S3's <Deleted> terms.
func (a *API) deleteOne(rq *request, b meta.Bucket, o deleteObjectXML) (deletedXML, *apiError) {
	key, vid := o.Key, o.versionID()
	done := deletedXML{Key: key, VersionID: vid}
	if key == "" || len(key) > maxKeyLen {
		return done, s3Err(codeInvalidArgument).msg("Invalid key")
	}
	action := "s3:DeleteObject"
	if o.VersionID != nil {
		action = "s3:DeleteObjectVersion"
		if err := checkVersionID(b, vid); err != nil {
			return done, err.(*apiError)
		}
	}
	if !a.allowed(rq, action, rq.bucket, key, true) {
		return done, s3Err(codeAccessDenied)
	}
	var blobs []storage.BlobID
	var err error
	if o.VersionID != nil {
		done.DeleteMarker, blobs, err = a.deleteVersion(rq.r.Context(), rq.bucket, key, vid)
		if done.DeleteMarker {
			done.DeleteMarkerVersionID = vid
		}
	} else {
		done.DeleteMarkerVersionID, blobs, err = a.deleteCurrent(rq.r.Context(), rq.bucket, key)
		done.DeleteMarker = done.DeleteMarkerVersionID != ""
	}
	if err != nil {
		ae, ok := toAPIError(rq.r, err)
		if !ok {
			a.log.Error("s3api: delete failed", "request_id", rq.reqID, "error", err.Error())
		}
		return done, ae
	}
	a.deleteBlobs(rq, blobs)
	return done, nil
}

// bodyDigests computes, as an XML body streams through it, the
// Content-MD5 and x-amz-checksum-* the request asked to be checked.
type bodyDigests struct {
	md5     hash.Hash // nil without Content-MD5
	wantMD5 []byte
	plan    checksumPlan
	sum     hash.Hash // nil without a checksum
}

// newBodyDigests reads the digests h asks for; a malformed Content-MD5 is
// InvalidDigest before any of the body is read.
func newBodyDigests(h http.Header) (*bodyDigests, error) {
	d := &bodyDigests{}
	if v, ok := h["Content-Md5"]; ok {
		want, err := base64.StdEncoding.DecodeString(v[0])
		if err != nil || len(want) != md5.Size {
			return nil, s3Err(codeInvalidDigest)
		}
		d.md5, d.wantMD5 = md5.New(), want
	}
	plan, err := parseChecksumPlan(h)
	if err != nil {
		return nil, err
	}
	if plan.alg != "" {
		d.plan, d.sum = plan, plan.alg.New()
	}
	return d, nil
}

func (d *bodyDigests) Write(p []byte) (int, error) {
	if d.md5 != nil {
		d.md5.Write(p)
	}
	if d.sum != nil {
		d.sum.Write(p)
	}
	return len(p), nil
}

// check compares the digests of the body read with those asked for.
func (d *bodyDigests) check(res *authn.Result) error {
	if d.md5 != nil && !bytes.Equal(d.md5.Sum(nil), d.wantMD5) {
		return s3Err(codeBadDigest)
	}
	if d.sum == nil {
		return nil
	}
	return d.plan.verify(d.sum.Sum(nil), res.Trailers)
}
