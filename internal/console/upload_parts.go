package console

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"signet/internal/sigv4"
)

// Uploads in parts: the console creates the multipart upload as the
// session, hands the browser presigned UploadPart links of the session,
// each for one part of that upload, the browser PUTs the parts straight to
// S3 (same origin, so it reads each part's ETag without any CORS rule),
// and the console completes the upload with those ETags, or aborts it.
//
// The browser holds no credentials, so the console is the only signer:
// it signs parts only of uploads it created in this session. Creating an
// upload gives the page a token, an HMAC of the bucket, key and upload ID
// under the session's secret, that every later call must bring back.

// S3's limits on an upload in parts.
const (
	minPartSize = 5 << 20 // every part but the last
	maxParts    = 10000
	maxObject   = 5 << 40
	// partURLBatch is the most part links one call makes: the page asks
	// for them as it goes, so none waits long enough to expire.
	partURLBatch = 100
)

// uploadTokenLabel is what an upload's token is an HMAC of, with the
// upload's bucket, key and ID, under the session's secret.
const uploadTokenLabel = "signet console upload v1"

// uploadToken binds an upload to the session that created it here.
func uploadToken(s *session, bucket, key, uploadID string) string {
	m := hmac.New(sha256.New, s.cred.Secret.AppendTo(nil))
	m.Write([]byte(uploadTokenLabel + "\x00" + bucket + "\x00" + key + "\x00" + uploadID))
	return hex.EncodeToString(m.Sum(nil))
}

// partSize is the size of every part but the last for an object of size
// bytes: S3's 5 MiB minimum, or more (whole MiB) to stay within 10,000
// parts.
func partSize(size int64) int64 {
	n := max(int64(minPartSize), (size+maxParts-1)/maxParts)
	const mib = 1 << 20
	return (n + mib - 1) / mib * mib
}

// jsonAnswer writes v as the page script's JSON answer.
func jsonAnswer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// uploadFailure is a refusal the script shows: S3's code and message, or
// the console's own.
type uploadFailure struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (c *Console) uploadRefused(w http.ResponseWriter, status int, code, message string) {
	jsonAnswer(w, status, uploadFailure{Code: code, Message: message})
}

// upload is the upload a form names, checked against its token.
type upload struct{ bucket, key, id string }

func (c *Console) formUpload(w http.ResponseWriter, r *http.Request, s *session) (upload, bool) {
	u := upload{bucket: r.PostFormValue("bucket"), key: r.PostFormValue("key"), id: r.PostFormValue("upload_id")}
	if u.bucket == "" || u.key == "" || u.id == "" {
		c.uploadRefused(w, http.StatusBadRequest, "BadRequest", "A bucket, a key and an upload ID are needed.")
		return u, false
	}
	want := uploadToken(s, u.bucket, u.key, u.id)
	if subtle.ConstantTimeCompare([]byte(r.PostFormValue("token")), []byte(want)) != 1 {
		c.uploadRefused(w, http.StatusForbidden, "Forbidden", "This upload was not started by this console session.")
		return u, false
	}
	return u, true
}

type initiateResult struct {
	UploadID string `xml:"UploadId"`
}

// createUpload starts the upload in parts of a file of the given size.
func (c *Console) createUpload(w http.ResponseWriter, r *http.Request, s *session) {
	bucket, key, typ := r.PostFormValue("bucket"), r.PostFormValue("key"), r.PostFormValue("content_type")
	size, err := strconv.ParseInt(r.PostFormValue("size"), 10, 64)
	switch {
	case bucket == "" || key == "":
		c.uploadRefused(w, http.StatusBadRequest, "BadRequest", "A bucket and a key are needed.")
		return
	case err != nil || size < 0:
		c.uploadRefused(w, http.StatusBadRequest, "BadRequest", "The file's size is needed.")
		return
	case size > maxObject:
		c.uploadRefused(w, http.StatusBadRequest, "EntityTooLarge", "S3 stores objects of at most 5 TiB.")
		return
	}
	call := s3Call{method: http.MethodPost, bucket: bucket, key: key, query: url.Values{"uploads": {""}}}
	if typ != "" {
		call.header = http.Header{"Content-Type": {typ}}
	}
	ans, err := c.do(r.Context(), r, s, call)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	if se := ans.err(); se != nil {
		c.uploadRefused(w, ans.status, se.Code, se.Message)
		return
	}
	var res initiateResult
	if err := xml.Unmarshal(ans.body, &res); err != nil || res.UploadID == "" {
		c.internal(w, r, err)
		return
	}
	ps := partSize(size)
	parts := max(1, (size+ps-1)/ps)
	jsonAnswer(w, http.StatusOK, map[string]any{
		"upload_id": res.UploadID, "token": uploadToken(s, bucket, key, res.UploadID),
		"part_size": ps, "parts": parts, "next": objectsURL(bucket, prefixOf(key)),
	})
}

// partURLs signs UploadPart links of the session for the parts asked, of
// the form's upload only: the upload ID and part number are in each
// link's signed query, so a link serves no other upload or part.
func (c *Console) partURLs(w http.ResponseWriter, r *http.Request, s *session) {
	u, ok := c.formUpload(w, r, s)
	if !ok {
		return
	}
	nums := r.PostForm["part"]
	if len(nums) == 0 || len(nums) > partURLBatch {
		c.uploadRefused(w, http.StatusBadRequest, "BadRequest", "Ask for 1 to 100 parts at a time.")
		return
	}
	urls := map[string]string{}
	for _, v := range nums {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxParts {
			c.uploadRefused(w, http.StatusBadRequest, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive")
			return
		}
		link, err := c.partURL(r, s, u, n)
		if err != nil {
			c.internal(w, r, err)
			return
		}
		urls[strconv.Itoa(n)] = link
	}
	jsonAnswer(w, http.StatusOK, map[string]any{"urls": urls})
}

// partURL is the presigned UploadPart of part n of u.
func (c *Console) partURL(r *http.Request, s *session, u upload, n int) (string, error) {
	q := url.Values{"partNumber": {strconv.Itoa(n)}, "uploadId": {u.id}}
	return sigv4.Presign(sigv4.PresignInput{
		Method: http.MethodPut,
		// Encode writes a space as "+", which S3 reads as a plus sign.
		URL:         scheme(r) + "://" + r.Host + objectPath(u.bucket, u.key) + "?" + strings.ReplaceAll(q.Encode(), "+", "%20"),
		Credentials: s.signer().creds, Region: c.cfg.Region, Service: "s3",
		Time: c.cfg.Clock.Now().UTC().Truncate(time.Second), Expires: transferLinkLife, Mode: sigv4.S3,
	})
}

type completePart struct {
	PartNumber int    `xml:"PartNumber"`
	ETag       string `xml:"ETag"`
}

type completeRequest struct {
	XMLName xml.Name       `xml:"CompleteMultipartUpload"`
	Parts   []completePart `xml:"Part"`
}

// completeUpload completes the form's upload with the parts' ETags, in
// part order (the form's etag values, part 1 first).
func (c *Console) completeUpload(w http.ResponseWriter, r *http.Request, s *session) {
	u, ok := c.formUpload(w, r, s)
	if !ok {
		return
	}
	etags := r.PostForm["etag"]
	if len(etags) == 0 || len(etags) > maxParts {
		c.uploadRefused(w, http.StatusBadRequest, "BadRequest", "The parts' ETags are needed.")
		return
	}
	req := completeRequest{}
	for i, e := range etags {
		req.Parts = append(req.Parts, completePart{PartNumber: i + 1, ETag: e})
	}
	body, err := xml.Marshal(req)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	ans, err := c.do(r.Context(), r, s, s3Call{method: http.MethodPost, bucket: u.bucket, key: u.key,
		query: url.Values{"uploadId": {u.id}}, body: body, header: http.Header{"Content-Type": {"application/xml"}}})
	if err != nil {
		c.internal(w, r, err)
		return
	}
	if se := completeError(ans); se != nil {
		status := ans.status
		if status/100 == 2 {
			status = http.StatusInternalServerError
		}
		c.uploadRefused(w, status, se.Code, se.Message)
		return
	}
	jsonAnswer(w, http.StatusOK, map[string]string{"next": objectsURL(u.bucket, prefixOf(u.key))})
}

// completeError is CompleteMultipartUpload's error: S3 may answer 200 and
// put the error in the body, as it does once it has begun to answer.
func completeError(ans *s3Answer) *s3Error {
	if se := ans.err(); se != nil {
		return se
	}
	var e struct {
		XMLName xml.Name
		s3Error
	}
	if xml.Unmarshal(ans.body, &e) == nil && e.XMLName.Local == "Error" {
		return &e.s3Error
	}
	return nil
}

// abortUpload aborts the form's upload, after a part failed or the person
// gave up, so its parts do not stay stored.
func (c *Console) abortUpload(w http.ResponseWriter, r *http.Request, s *session) {
	u, ok := c.formUpload(w, r, s)
	if !ok {
		return
	}
	ans, err := c.do(r.Context(), r, s, s3Call{method: http.MethodDelete, bucket: u.bucket, key: u.key, query: url.Values{"uploadId": {u.id}}})
	if err != nil {
		c.internal(w, r, err)
		return
	}
	if se := ans.err(); se != nil {
		c.uploadRefused(w, ans.status, se.Code, se.Message)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
