package console

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"signet/internal/adminwire"
	"signet/internal/sigv4"
)

// s3Call is one in-process request (S3, or the admin API) of a console session: signed with
// the session's credentials and served by the server's own handler, so
// authorisation, the access log and every rule apply as to any client.
type s3Call struct {
	method string
	bucket string
	key    string
	query  url.Values
	body   []byte
	header http.Header
	// admin, when set, is a path of signet's admin API to call instead
	// (service "signet", signed as `signet admin` signs).
	admin string
}

// s3Answer is what the server answered.
type s3Answer struct {
	status int
	header http.Header
	body   []byte
}

// s3Error is S3's XML error body.
type s3Error struct {
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

// err is the answer's S3 error, nil for a 2xx. A HEAD's error has no
// body: its status stands for it.
func (a *s3Answer) err() *s3Error {
	if a.status/100 == 2 {
		return nil
	}
	var e s3Error
	if xml.Unmarshal(a.body, &e) != nil || e.Code == "" {
		e = s3Error{Code: http.StatusText(a.status), Message: fmt.Sprintf("The server answered %d.", a.status)}
	}
	return &e
}

func (e *s3Error) Error() string { return e.Code + ": " + e.Message }

// objectPath is the escaped path of bucket/key, path-style, encoded as
// SigV4 encodes it for S3 (each byte once, "/" kept).
func objectPath(bucket, key string) string {
	p := "/" + sigv4.URIEncode(bucket, true)
	if bucket != "" {
		p += "/"
	}
	return p + sigv4.URIEncode(key, false)
}

// do signs call with the session's credentials and serves it in-process.
// The request keeps the browser's host, address and TLS state, so
// conditions such as aws:SourceIp and aws:SecureTransport see the person
// at the browser.
func (c *Console) do(ctx context.Context, r *http.Request, s *session, call s3Call) (*s3Answer, error) {
	path, service, mode := objectPath(call.bucket, call.key), "s3", sigv4.S3
	if call.admin != "" {
		path, service, mode = call.admin, adminwire.Service, sigv4.Generic
	}
	raw := scheme(r) + "://" + r.Host + path
	if len(call.query) > 0 {
		// Encode writes a space as "+", which S3 reads as a plus sign.
		raw += "?" + strings.ReplaceAll(call.query.Encode(), "+", "%20")
	}
	req, err := http.NewRequestWithContext(ctx, call.method, raw, bytes.NewReader(call.body))
	if err != nil {
		return nil, err
	}
	req.ContentLength = int64(len(call.body))
	if len(call.body) == 0 {
		req.Body = http.NoBody
	}
	for k, v := range call.header {
		req.Header[k] = v
	}
	req.Host, req.RemoteAddr, req.TLS = r.Host, r.RemoteAddr, r.TLS
	req.RequestURI = req.URL.RequestURI()
	payload := ""
	if len(call.body) > 0 {
		sum := sha256.Sum256(call.body)
		payload = hex.EncodeToString(sum[:])
	}
	if mode == sigv4.Generic {
		if payload == "" {
			payload = sigv4.HexSHA256(nil)
		}
		req.Header.Set("X-Amz-Content-Sha256", payload)
	}
	creds := sigv4.Credentials{AccessKeyID: s.id, SecretAccessKey: s.cred.Secret, SessionToken: s.token}
	if err := sigv4.SignHeader(req, creds, c.cfg.Region, service, c.cfg.Wall.Now(), payload, mode); err != nil {
		return nil, err
	}
	if req.ContentLength > 0 {
		// On the wire the transport writes it from ContentLength and the
		// server's request has it in its header, where the verifier reads
		// the signed value from: served in-process, it must be put there.
		req.Header.Set("Content-Length", strconv.FormatInt(req.ContentLength, 10))
	}
	rec := &recorder{header: http.Header{}}
	c.cfg.S3.ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return &s3Answer{status: rec.status, header: rec.header, body: rec.body.Bytes()}, nil
}

// contentMD5 is the Content-MD5 header S3 requires of DeleteObjects.
func contentMD5(b []byte) string {
	sum := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// recorder keeps an in-process answer. Answers the console reads are small
// (a listing of 1,000 keys at most); object bytes never pass through it:
// downloads are presigned links the browser follows.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}
func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(p)
}

// ReadFrom keeps the server's sendfile path from reaching for a
// connection the recorder does not have.
func (r *recorder) ReadFrom(src io.Reader) (int64, error) {
	return io.Copy(struct{ io.Writer }{r}, src)
}

// The XML shapes of the S3 answers the console reads.
type listBucketsResult struct {
	Buckets []struct {
		Name         string    `xml:"Name"`
		CreationDate time.Time `xml:"CreationDate"`
	} `xml:"Buckets>Bucket"`
}

type listObjectsResult struct {
	Contents []struct {
		Key          string    `xml:"Key"`
		LastModified time.Time `xml:"LastModified"`
		ETag         string    `xml:"ETag"`
		Size         int64     `xml:"Size"`
	} `xml:"Contents"`
	CommonPrefixes []struct {
		Prefix string `xml:"Prefix"`
	} `xml:"CommonPrefixes"`
	IsTruncated           bool   `xml:"IsTruncated"`
	NextContinuationToken string `xml:"NextContinuationToken"`
}

type deleteRequest struct {
	XMLName xml.Name `xml:"Delete"`
	Quiet   bool     `xml:"Quiet"`
	Objects []struct {
		Key string `xml:"Key"`
	} `xml:"Object"`
}

type deleteResult struct {
	Errors []struct {
		Key     string `xml:"Key"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
}

// doXML makes call as the session and decodes S3's XML answer into v.
// On failure it answers the page itself (S3's error, or an internal one)
// and reports false.
func (c *Console) doXML(w http.ResponseWriter, r *http.Request, s *session, call s3Call, v any) bool {
	ans, err := c.do(r.Context(), r, s, call)
	if err != nil {
		c.internal(w, r, err)
		return false
	}
	if e := ans.err(); e != nil {
		c.s3Failed(w, r, s, ans.status, e)
		return false
	}
	if err := xml.Unmarshal(ans.body, v); err != nil {
		c.internal(w, r, err)
		return false
	}
	return true
}
