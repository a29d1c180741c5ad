package console

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"signet/internal/sigv4"
)

// pageSize is how many keys a page of objects lists: S3's own maximum
// for one ListObjectsV2 call, so one page is one call.
const pageSize = 1000

// transferLinkLife is the window of the download and upload links the
// console makes for the browser to follow at once.
const transferLinkLife = 15 * time.Minute

type bucketsData struct {
	Buckets any
	Error   string
}

func (c *Console) bucketsPage(w http.ResponseWriter, r *http.Request, s *session) {
	var res listBucketsResult
	if !c.doXML(w, r, s, s3Call{method: http.MethodGet}, &res) {
		return
	}
	c.render(w, r, http.StatusOK, "buckets", s, bucketsData{Buckets: res.Buckets})
}

// createBucketBody is CreateBucket's body: none in us-east-1, else the
// LocationConstraint S3 requires outside it.
func (c *Console) createBucketBody() []byte {
	if c.cfg.Region == "us-east-1" {
		return nil
	}
	return []byte(`<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>` +
		c.cfg.Region + `</LocationConstraint></CreateBucketConfiguration>`)
}

func (c *Console) createBucket(w http.ResponseWriter, r *http.Request, s *session) {
	name := strings.TrimSpace(r.PostFormValue("bucket"))
	c.act(w, r, s, s3Call{method: http.MethodPut, bucket: name, body: c.createBucketBody()}, objectsURL(name, ""))
}

func (c *Console) deleteBucket(w http.ResponseWriter, r *http.Request, s *session) {
	c.act(w, r, s, s3Call{method: http.MethodDelete, bucket: r.PostFormValue("bucket")}, Prefix)
}

// act makes one S3 call and goes to then, or shows the S3 error.
func (c *Console) act(w http.ResponseWriter, r *http.Request, s *session, call s3Call, then string) {
	if call.bucket == "" {
		c.badRequest(w, r, "No bucket was named.")
		return
	}
	ans, err := c.do(r.Context(), r, s, call)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	if e := ans.err(); e != nil {
		c.s3Failed(w, r, s, ans.status, e)
		return
	}
	http.Redirect(w, r, then, http.StatusSeeOther)
}

func objectsURL(bucket, prefix string) string {
	q := url.Values{"bucket": {bucket}}
	if prefix != "" {
		q.Set("prefix", prefix)
	}
	return Prefix + "objects?" + q.Encode()
}

func objectURL(page, bucket, key string) string {
	return Prefix + page + "?" + url.Values{"bucket": {bucket}, "key": {key}}.Encode()
}

// crumb is one step of the path to a folder.
type crumb struct{ Name, Link string }

type objectsData struct {
	Bucket, Prefix string
	Crumbs         []crumb
	Folders        []crumb
	Objects        []objectRow
	Next           string
	First          bool
}

type objectRow struct {
	Key, Name, Link string
	Size            int64
	LastModified    time.Time
}

// objectsPage lists a bucket's folder: the keys under prefix up to the
// next "/" and the folders below, 1,000 at a time (ListObjectsV2 with its
// continuation token).
func (c *Console) objectsPage(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	bucket, prefix, token := q.Get("bucket"), q.Get("prefix"), q.Get("token")
	if bucket == "" {
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
		return
	}
	call := s3Call{method: http.MethodGet, bucket: bucket, query: url.Values{
		"list-type": {"2"}, "delimiter": {"/"}, "max-keys": {"1000"}, "prefix": {prefix},
	}}
	if token != "" {
		call.query.Set("continuation-token", token)
	}
	var res listObjectsResult
	if !c.doXML(w, r, s, call, &res) {
		return
	}
	d := objectsData{Bucket: bucket, Prefix: prefix, Crumbs: crumbs(bucket, prefix), First: token == ""}
	for _, p := range res.CommonPrefixes {
		d.Folders = append(d.Folders, crumb{Name: strings.TrimPrefix(p.Prefix, prefix), Link: objectsURL(bucket, p.Prefix)})
	}
	for _, o := range res.Contents {
		d.Objects = append(d.Objects, objectRow{Key: o.Key, Name: strings.TrimPrefix(o.Key, prefix), Link: objectURL("object", bucket, o.Key),
			Size: o.Size, LastModified: o.LastModified})
	}
	if res.IsTruncated && res.NextContinuationToken != "" {
		next := url.Values{"bucket": {bucket}, "prefix": {prefix}, "token": {res.NextContinuationToken}}
		d.Next = Prefix + "objects?" + next.Encode()
	}
	c.render(w, r, http.StatusOK, "objects", s, d)
}

// crumbs are the links to the bucket and each folder above prefix.
func crumbs(bucket, prefix string) []crumb {
	out := []crumb{{Name: bucket, Link: objectsURL(bucket, "")}}
	acc := ""
	for part := range strings.SplitSeq(strings.TrimSuffix(prefix, "/"), "/") {
		if part == "" && acc == "" && prefix == "" {
			break
		}
		acc += part + "/"
		out = append(out, crumb{Name: part + "/", Link: objectsURL(bucket, acc)})
	}
	return out
}

// deleteObjects deletes the chosen keys with one DeleteObjects call and
// shows the keys S3 refused, if any.
func (c *Console) deleteObjects(w http.ResponseWriter, r *http.Request, s *session) {
	bucket, keys := r.PostFormValue("bucket"), r.PostForm["key"]
	if len(keys) == 0 {
		http.Redirect(w, r, objectsURL(bucket, r.PostFormValue("prefix")), http.StatusSeeOther)
		return
	}
	if len(keys) > pageSize {
		c.badRequest(w, r, "At most 1,000 objects can be deleted at once.")
		return
	}
	req := deleteRequest{Quiet: true}
	for _, k := range slices.Compact(slices.Sorted(slices.Values(keys))) {
		req.Objects = append(req.Objects, struct {
			Key string `xml:"Key"`
		}{k})
	}
	body, err := xml.Marshal(req)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	ans, err := c.do(r.Context(), r, s, s3Call{method: http.MethodPost, bucket: bucket, query: url.Values{"delete": {""}},
		body: body, header: http.Header{"Content-Md5": {contentMD5(body)}, "Content-Type": {"application/xml"}}})
	if err != nil {
		c.internal(w, r, err)
		return
	}
	if e := ans.err(); e != nil {
		c.s3Failed(w, r, s, ans.status, e)
		return
	}
	var res deleteResult
	if err := xml.Unmarshal(ans.body, &res); err != nil {
		c.internal(w, r, err)
		return
	}
	if len(res.Errors) > 0 {
		var lines []string
		for _, e := range res.Errors {
			lines = append(lines, e.Key+": "+e.Code+": "+e.Message)
		}
		c.render(w, r, http.StatusOK, "message", s, messageData{Title: "Some objects were not deleted",
			Text: strings.Join(lines, "\n"), Back: objectsURL(bucket, r.PostFormValue("prefix"))})
		return
	}
	http.Redirect(w, r, objectsURL(bucket, r.PostFormValue("prefix")), http.StatusSeeOther)
}

// uploadURL answers the page's script with a presigned PUT of the
// session for the chosen key: the browser sends the file straight to S3
// (same origin, so no CORS rule is needed), and S3 judges it as it judges
// any presigned PUT of this session.
func (c *Console) uploadURL(w http.ResponseWriter, r *http.Request, s *session) {
	bucket, key, typ := r.PostFormValue("bucket"), r.PostFormValue("key"), r.PostFormValue("content_type")
	if bucket == "" || key == "" {
		c.badRequest(w, r, "A bucket and a key are needed.")
		return
	}
	var h http.Header
	if typ != "" {
		// Signed, so the upload is stored with the type the page sends.
		h = http.Header{"Content-Type": {typ}}
	}
	link, err := c.presign(r, s.signer(), http.MethodPut, bucket, key, c.cfg.Clock.Now(), transferLinkLife, h)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"url": link, "next": objectsURL(bucket, prefixOf(key))})
}

// prefixOf is the folder a key is in.
func prefixOf(key string) string {
	if i := strings.LastIndexByte(key, '/'); i >= 0 {
		return key[:i+1]
	}
	return ""
}

// download sends the browser to a presigned GET of the session.
func (c *Console) download(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	if q.Get("bucket") == "" || q.Get("key") == "" {
		c.badRequest(w, r, "A bucket and a key are needed.")
		return
	}
	link, err := c.presign(r, s.signer(), http.MethodGet, q.Get("bucket"), q.Get("key"), c.cfg.Clock.Now(), transferLinkLife, nil)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	http.Redirect(w, r, link, http.StatusSeeOther)
}

type objectData struct {
	Bucket, Key, Name string
	Headers           [][2]string
	Back, Download    string
	Share             string
}

// objectPage shows an object's metadata and headers, as HEAD answers them.
func (c *Console) objectPage(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	bucket, key := q.Get("bucket"), q.Get("key")
	if bucket == "" || key == "" {
		c.badRequest(w, r, "A bucket and a key are needed.")
		return
	}
	ans, err := c.do(r.Context(), r, s, s3Call{method: http.MethodHead, bucket: bucket, key: key})
	if err != nil {
		c.internal(w, r, err)
		return
	}
	if e := ans.err(); e != nil {
		c.s3Failed(w, r, s, ans.status, e)
		return
	}
	d := objectData{Bucket: bucket, Key: key, Name: path.Base(key), Back: objectsURL(bucket, prefixOf(key)),
		Download: objectURL("download", bucket, key), Share: objectURL("share", bucket, key)}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range ans.header {
			if !yield(k) {
				return
			}
		}
	}) {
		if k == "X-Amz-Request-Id" || k == "X-Amz-Id-2" || k == "Server" {
			continue // the HEAD's own, not the object's
		}
		d.Headers = append(d.Headers, [2]string{k, strings.Join(ans.header[k], ", ")})
	}
	c.render(w, r, http.StatusOK, "object", s, d)
}

// presign signs a link for method on bucket/key at signedAt for life,
// with the browser's scheme and host, so the browser can follow it.
func (c *Console) presign(r *http.Request, who signer, method, bucket, key string, signedAt time.Time, life time.Duration, h http.Header) (string, error) {
	return sigv4.Presign(sigv4.PresignInput{
		Method: method, URL: scheme(r) + "://" + r.Host + objectPath(bucket, key),
		Credentials: who.creds, Region: c.cfg.Region, Service: "s3",
		Time: signedAt.UTC().Truncate(time.Second), Expires: life, Header: h, Mode: sigv4.S3,
	})
}

// signer is what signs a link: the session, or a long-term key.
type signer struct {
	creds sigv4.Credentials
	// expiry is when the credentials end; zero for a long-term key.
	expiry time.Time
}

func (s *session) signer() signer {
	return signer{creds: sigv4.Credentials{AccessKeyID: s.id, SecretAccessKey: s.cred.Secret, SessionToken: s.token}, expiry: s.expiry()}
}
