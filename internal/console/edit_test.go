package console_test

import (
	"bytes"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"signet/internal/console"
)

// The bucket policy and CORS editors, and uploads in parts.

var (
	policyArea = regexp.MustCompile(`(?s)<textarea id="policy"[^>]*>(.*?)</textarea>`)
	corsArea   = regexp.MustCompile(`(?s)<textarea id="cors"[^>]*>(.*?)</textarea>`)
	fieldError = regexp.MustCompile(`(?s)<p class="field-error" id="(policy|cors)-error" role="alert"><strong>([^<]*)</strong>: ([^<]*)</p>`)
)

// editorOf is the text of one editor's field on a settings page.
func editorOf(t *testing.T, area *regexp.Regexp, page string) string {
	t.Helper()
	m := area.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no editor on the page:\n%s", page)
	}
	return html.UnescapeString(m[1])
}

func (w *world) bucket(name string) {
	w.t.Helper()
	if a := w.post(console.Prefix+"buckets/create", url.Values{"bucket": {name}, "csrf": {w.csrf()}}); a.status != http.StatusSeeOther {
		w.t.Fatalf("create bucket: %d\n%s", a.status, a.body)
	}
}

// saveDocument posts one editor's form and, for a refusal, returns the
// page with the field's error (which editor, code, message).
func (w *world) saveDocument(kind, bucket, doc, action string) (answer, []string) {
	w.t.Helper()
	a := w.post(console.Prefix+"settings/"+kind, url.Values{"csrf": {w.csrf()}, "bucket": {bucket}, "document": {doc}, "action": {action}})
	m := fieldError.FindStringSubmatch(a.body)
	if m != nil {
		m = []string{m[1], m[2], html.UnescapeString(m[3])}
	}
	return a, m
}

func TestBucketPolicyEditorShowsS3sRefusalInPlace(t *testing.T) {
	w := newWorld(t)
	w.signIn()
	w.bucket("photos")
	if page := w.get(console.Prefix + "settings?bucket=photos"); page.status != http.StatusOK ||
		!strings.Contains(page.body, "Policy (JSON): the bucket has none") || editorOf(t, policyArea, page.body) != "" {
		t.Fatalf("settings of a bucket without a policy: %d\n%s", page.status, page.body)
	}
	account := w.srv.Root().AccountID
	outside := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account +
		`:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}`
	a, e := w.saveDocument("policy", "photos", outside, "save")
	if a.status != http.StatusBadRequest || e == nil || e[0] != "policy" || e[1] != "MalformedPolicy" || e[2] != "Policy has invalid resource" {
		t.Fatalf("a policy about another bucket: %d %q\n%s", a.status, e, a.body)
	}
	if got := editorOf(t, policyArea, a.body); got != outside {
		t.Errorf("the refused policy is not kept in its field: %q", got)
	}
	if strings.Contains(a.body, `id="delete-policy"`) || !strings.Contains(a.body, "Policy (JSON): the bucket has none") {
		t.Errorf("after a refusal the page no longer says the bucket has no policy:\n%s", a.body)
	}
	if !strings.Contains(a.body, `aria-invalid="true"`) || strings.Contains(a.body, `id="cors-error"`) {
		t.Errorf("the error is not marked on the policy field alone:\n%s", a.body)
	}
	a, e = w.saveDocument("policy", "photos", `{"Version":"2012-10-17","Statement":[`, "save")
	if a.status != http.StatusBadRequest || e == nil || e[1] != "MalformedPolicy" {
		t.Fatalf("a policy that is not JSON: %d %q", a.status, e)
	}

	valid := strings.Replace(outside, "other/*", "photos/*", 1)
	if a, e := w.saveDocument("policy", "photos", valid, "save"); a.status != http.StatusSeeOther || e != nil ||
		a.header.Get("Location") != console.Prefix+"settings?bucket=photos&saved=policy" {
		t.Fatalf("a valid policy: %d %s %q\n%s", a.status, a.header.Get("Location"), e, a.body)
	}
	page := w.get(console.Prefix + "settings?bucket=photos&saved=policy")
	var stored, sent any
	if err := json.Unmarshal([]byte(editorOf(t, policyArea, page.body)), &stored); err != nil {
		t.Fatalf("the stored policy is not shown: %v\n%s", err, page.body)
	}
	json.Unmarshal([]byte(valid), &sent)
	if !jsonEqual(stored, sent) || !strings.Contains(page.body, "The bucket policy is saved.") {
		t.Errorf("after saving, the editor shows %v, want %v\n%s", stored, sent, page.body)
	}

	if a, _ := w.saveDocument("policy", "photos", "", "delete"); a.status != http.StatusSeeOther {
		t.Fatalf("deleting the policy: %d\n%s", a.status, a.body)
	}
	if page := w.get(console.Prefix + "settings?bucket=photos"); !strings.Contains(page.body, "Policy (JSON): the bucket has none") {
		t.Errorf("the policy is still shown after its delete:\n%s", page.body)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestBucketCORSEditorShowsS3sRefusalInPlace(t *testing.T) {
	w := newWorld(t)
	w.signIn()
	w.bucket("site")
	for _, c := range []struct{ doc, code, message string }{
		{`<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>FETCH</AllowedMethod></CORSRule></CORSConfiguration>`,
			"InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is FETCH"},
		{`<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>`, "MalformedXML",
			"The XML you provided was not well-formed or did not validate against our published schema"},
	} {
		a, e := w.saveDocument("cors", "site", c.doc, "save")
		if a.status != http.StatusBadRequest || e == nil || e[0] != "cors" || e[1] != c.code || e[2] != c.message {
			t.Errorf("CORS %s: %d %q, want 400 %s: %s", c.doc, a.status, e, c.code, c.message)
			continue
		}
		if got := editorOf(t, corsArea, a.body); got != c.doc {
			t.Errorf("the refused CORS document is not kept in its field: %q", got)
		}
	}
	valid := `<CORSConfiguration><CORSRule><AllowedOrigin>https://www.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod>` +
		`<ExposeHeader>ETag</ExposeHeader></CORSRule></CORSConfiguration>`
	if a, e := w.saveDocument("cors", "site", valid, "save"); a.status != http.StatusSeeOther || e != nil {
		t.Fatalf("a valid CORS document: %d %q\n%s", a.status, e, a.body)
	}
	page := w.get(console.Prefix + "settings?bucket=site&saved=cors")
	if got := editorOf(t, corsArea, page.body); !strings.Contains(got, "\n    <AllowedOrigin>https://www.example.com</AllowedOrigin>\n") ||
		!strings.Contains(got, "<ExposeHeader>ETag</ExposeHeader>") || !strings.Contains(page.body, "The CORS configuration is saved.") {
		t.Errorf("after saving, the CORS editor shows %q", got)
	}
	if a, _ := w.saveDocument("cors", "site", "", "delete"); a.status != http.StatusSeeOther {
		t.Fatalf("deleting CORS: %d\n%s", a.status, a.body)
	}
	if page := w.get(console.Prefix + "settings?bucket=site"); !strings.Contains(page.body, "the bucket has none") || editorOf(t, corsArea, page.body) != "" {
		t.Errorf("CORS still shown after its delete:\n%s", page.body)
	}
}

func TestSettingsOfAMissingBucketShowS3sError(t *testing.T) {
	w := newWorld(t)
	w.signIn()
	if a := w.get(console.Prefix + "settings?bucket=nowhere"); a.status != http.StatusNotFound || !strings.Contains(a.body, "NoSuchBucket") {
		t.Errorf("settings of a missing bucket: %d\n%s", a.status, a.body)
	}
}

// createdUpload is the create endpoint's answer.
type createdUpload struct {
	UploadID string `json:"upload_id"`
	Token    string `json:"token"`
	PartSize int64  `json:"part_size"`
	Parts    int    `json:"parts"`
}

func (w *world) createUpload(bucket, key string, size int) createdUpload {
	w.t.Helper()
	a := w.post(console.Prefix+"uploads/create", url.Values{"csrf": {w.csrf()}, "bucket": {bucket}, "key": {key},
		"size": {itoa(size)}, "content_type": {"application/octet-stream"}})
	var u createdUpload
	if a.status != http.StatusOK || json.Unmarshal([]byte(a.body), &u) != nil || u.UploadID == "" {
		w.t.Fatalf("create upload: %d %s", a.status, a.body)
	}
	return u
}

func itoa(n int) string { return strconv.Itoa(n) }

// partURL asks the console for the link of part n of an upload.
func (w *world) partURL(bucket, key string, u createdUpload, n int) (answer, string) {
	w.t.Helper()
	a := w.post(console.Prefix+"uploads/part-urls", url.Values{"csrf": {w.csrf()}, "bucket": {bucket}, "key": {key},
		"upload_id": {u.UploadID}, "token": {u.Token}, "part": {itoa(n)}})
	var res struct{ URLs map[string]string }
	if a.status == http.StatusOK && json.Unmarshal([]byte(a.body), &res) != nil {
		w.t.Fatalf("part-urls: %s", a.body)
	}
	return a, res.URLs[itoa(n)]
}

func (w *world) put(link string, body []byte) answer {
	w.t.Helper()
	req, err := http.NewRequest(http.MethodPut, link, bytes.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	return w.send(newBrowser(w.t), req)
}

// patterned is size bytes that differ from part to part.
func patterned(size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i*31 + i>>12)
	}
	return b
}

func TestUploadInPartsThroughTheConsole(t *testing.T) {
	w := newWorld(t)
	w.signIn()
	w.bucket("big")
	data := patterned(11<<20 + 12345)
	u := w.createUpload("big", "dir/film.bin", len(data))
	if u.PartSize != 5<<20 || u.Parts != 3 {
		t.Fatalf("an 11 MiB file: parts of %d, %d parts; want 5 MiB, 3", u.PartSize, u.Parts)
	}
	var etags []string
	for n := 1; n <= u.Parts; n++ {
		a, link := w.partURL("big", "dir/film.bin", u, n)
		if a.status != http.StatusOK || !strings.Contains(link, "uploadId=") || !strings.Contains(link, "partNumber="+itoa(n)) {
			t.Fatalf("part %d link: %d %s", n, a.status, a.body)
		}
		part := data[(n-1)*int(u.PartSize) : min(n*int(u.PartSize), len(data))]
		put := w.put(link, part)
		if put.status != http.StatusOK || put.header.Get("ETag") == "" {
			t.Fatalf("part %d: %d %s", n, put.status, put.body)
		}
		etags = append(etags, put.header.Get("ETag"))
	}
	done := w.post(console.Prefix+"uploads/complete", url.Values{"csrf": {w.csrf()}, "bucket": {"big"}, "key": {"dir/film.bin"},
		"upload_id": {u.UploadID}, "token": {u.Token}, "etag": etags})
	if done.status != http.StatusOK || !strings.Contains(done.body, `"next":"/_signet/console/objects?bucket=big\u0026prefix=dir%2F"`) {
		t.Fatalf("complete: %d %s", done.status, done.body)
	}
	got := w.get(console.Prefix + "download?bucket=big&key=dir%2Ffilm.bin")
	if got.status != http.StatusSeeOther {
		t.Fatalf("download: %d", got.status)
	}
	if body := w.fetch(got.header.Get("Location")); body.status != http.StatusOK || body.body != string(data) {
		t.Errorf("the object read back: %d, %d bytes, equal %v", body.status, len(body.body), body.body == string(data))
	}
}

// A part link serves only the upload and part it was signed for, and the
// console signs parts only of uploads this session started with it.
func TestPartLinksAreForTheirUploadOnly(t *testing.T) {
	w := newWorld(t)
	w.signIn()
	w.bucket("big")
	first := w.createUpload("big", "a.bin", 6<<20)
	second := w.createUpload("big", "a.bin", 6<<20)
	_, link := w.partURL("big", "a.bin", first, 1)
	swapped := strings.Replace(link, url.QueryEscape(first.UploadID), url.QueryEscape(second.UploadID), 1)
	if swapped == link {
		t.Fatalf("upload ID %s not found in %s", first.UploadID, link)
	}
	if a := w.put(swapped, []byte("part")); a.status != http.StatusForbidden || !strings.Contains(a.body, "<Code>SignatureDoesNotMatch</Code>") {
		t.Errorf("first upload's part link used for the second: %d %s", a.status, a.body)
	}
	renumbered := strings.Replace(link, "partNumber=1", "partNumber=2", 1)
	if a := w.put(renumbered, []byte("part")); a.status != http.StatusForbidden || !strings.Contains(a.body, "<Code>SignatureDoesNotMatch</Code>") {
		t.Errorf("part 1's link used for part 2: %d %s", a.status, a.body)
	}

	forged := first
	forged.UploadID = second.UploadID
	if a, _ := w.partURL("big", "a.bin", forged, 1); a.status != http.StatusForbidden || !strings.Contains(a.body, "not started by this console session") {
		t.Errorf("part link of an upload with another upload's token: %d %s", a.status, a.body)
	}
	if a, _ := w.partURL("big", "b.bin", first, 1); a.status != http.StatusForbidden {
		t.Errorf("part link for another key with the upload's token: %d %s", a.status, a.body)
	}
}

func TestAbortedUploadTakesNoMoreParts(t *testing.T) {
	w := newWorld(t)
	w.signIn()
	w.bucket("big")
	u := w.createUpload("big", "gone.bin", 6<<20)
	_, link := w.partURL("big", "gone.bin", u, 1)
	if a := w.post(console.Prefix+"uploads/abort", url.Values{"csrf": {w.csrf()}, "bucket": {"big"}, "key": {"gone.bin"},
		"upload_id": {u.UploadID}, "token": {u.Token}}); a.status != http.StatusNoContent {
		t.Fatalf("abort: %d %s", a.status, a.body)
	}
	if a := w.put(link, []byte("late")); a.status != http.StatusNotFound || !strings.Contains(a.body, "<Code>NoSuchUpload</Code>") {
		t.Errorf("a part after the abort: %d %s", a.status, a.body)
	}
	done := w.post(console.Prefix+"uploads/complete", url.Values{"csrf": {w.csrf()}, "bucket": {"big"}, "key": {"gone.bin"},
		"upload_id": {u.UploadID}, "token": {u.Token}, "etag": {`"x"`}})
	var f struct{ Code, Message string }
	if done.status != http.StatusNotFound || json.Unmarshal([]byte(done.body), &f) != nil || f.Code != "NoSuchUpload" {
		t.Errorf("completing an aborted upload: %d %s", done.status, done.body)
	}
}

func TestUploadEndpointsNeedTheCSRFToken(t *testing.T) {
	w := newWorld(t)
	w.signIn()
	w.bucket("big")
	if a := w.post(console.Prefix+"uploads/create", url.Values{"bucket": {"big"}, "key": {"k"}, "size": {"1"}}); a.status != http.StatusForbidden {
		t.Errorf("create without the CSRF token: %d", a.status)
	}
	if a := w.post(console.Prefix+"settings/policy", url.Values{"bucket": {"big"}, "document": {"{}"}}); a.status != http.StatusForbidden {
		t.Errorf("policy without the CSRF token: %d", a.status)
	}
}
