package s3api

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"net/http"

	"signet/internal/authn"
)

const (
	maxDeleteKeys = 1000
	// maxDeleteBody fits 1000 keys of 1024 bytes with their XML, escaped.
	maxDeleteBody = 2 << 20
)

type deleteRequest struct {
	XMLName xml.Name `xml:"Delete"`
	Quiet   bool     `xml:"Quiet"`
	Objects []struct {
		Key       string `xml:"Key"`
		VersionID string `xml:"VersionId"`
	} `xml:"Object"`
}

type deleteResult struct {
	XMLName xml.Name       `xml:"DeleteResult"`
	NS      string         `xml:"xmlns,attr"`
	Deleted []deletedXML   `xml:"Deleted"`
	Errors  []deleteErrXML `xml:"Error"`
}

type deletedXML struct {
	Key string `xml:"Key"`
}

type deleteErrXML struct {
	Key     string `xml:"Key"`
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

// deleteObjects is POST ?delete: up to 1000 keys, each authorised and
// deleted on its own; per-key failures go in the body, not the status.
func (a *api) deleteObjects(rq *request) error {
	if _, err := a.requireBucket(rq); err != nil {
		return err
	}
	var req deleteRequest
	data, err := readXML(rq.res.Body, maxDeleteBody, &req)
	if err != nil {
		return err
	}
	if err := checkBodyDigests(rq.r.Header, data, rq.res); err != nil {
		return err
	}
	if len(req.Objects) == 0 || len(req.Objects) > maxDeleteKeys {
		return s3Err("MalformedXML")
	}
	out := deleteResult{NS: s3NS}
	for _, o := range req.Objects {
		if fail := a.deleteOne(rq, o.Key); fail != nil {
			out.Errors = append(out.Errors, deleteErrXML{Key: o.Key, Code: fail.Code, Message: fail.Message})
			continue
		}
		if !req.Quiet {
			out.Deleted = append(out.Deleted, deletedXML{Key: o.Key})
		}
	}
	return writeXML(rq.w, http.StatusOK, out)
}

func (a *api) deleteOne(rq *request, key string) *apiError {
	if key == "" || len(key) > maxKeyLen {
		return s3Err("InvalidArgument").msg("Invalid key")
	}
	if !a.allowed(rq, "s3:DeleteObject", rq.bucket, key, true) {
		return s3Err("AccessDenied")
	}
	blobs, err := a.cfg.Meta.DeleteObject(rq.r.Context(), rq.bucket, key)
	if err != nil {
		ae, ok := toAPIError(rq.r, err)
		if !ok {
			a.log.Error("s3api: delete failed", "request_id", rq.reqID, "error", err.Error())
		}
		return ae
	}
	a.deleteBlobs(rq, blobs)
	return nil
}

// checkBodyDigests honours Content-MD5 and x-amz-checksum-* on small XML
// bodies that were read whole.
func checkBodyDigests(h http.Header, data []byte, res *authn.Result) error {
	if v, ok := h["Content-Md5"]; ok {
		want, err := base64.StdEncoding.DecodeString(v[0])
		if err != nil || len(want) != md5.Size {
			return s3Err("InvalidDigest")
		}
		if got := md5.Sum(data); string(got[:]) != string(want) {
			return s3Err("BadDigest")
		}
	}
	plan, err := parseChecksumPlan(h)
	if err != nil || plan.alg == "" {
		return err
	}
	hs := plan.alg.New()
	hs.Write(data)
	return plan.verify(hs.Sum(nil), res.Trailers)
}
