package s3api

import (
	"encoding/xml"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
)

const (
	enableVersioning  = `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>`
	suspendVersioning = `<VersioningConfiguration><Status>Suspended</Status><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>`
)

func TestBucketVersioningConfiguration(t *testing.T) {
	e := newEnv(t)
	e.bucket("vbk")
	golden(t, "versioning_never.xml", e.mustDo(200, "GET", "/vbk?versioning", "").Body.Bytes())
	e.mustDo(200, "PUT", "/vbk?versioning", enableVersioning)
	golden(t, "versioning_enabled.xml", e.mustDo(200, "GET", "/vbk?versioning", "").Body.Bytes())
	e.mustDo(200, "PUT", "/vbk?versioning", suspendVersioning)
	if w := e.mustDo(200, "GET", "/vbk?versioning", ""); !strings.Contains(w.Body.String(), "<Status>Suspended</Status>") {
		t.Errorf("after suspending: %s", w.Body.String())
	}
	for _, c := range []struct{ body, code string }{
		{`<VersioningConfiguration></VersioningConfiguration>`, "IllegalVersioningConfigurationException"},
		{`<VersioningConfiguration><Status>On</Status></VersioningConfiguration>`, "MalformedXML"},
		{`<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Maybe</MfaDelete></VersioningConfiguration>`, "MalformedXML"},
		{`<VersioningConfiguration><Status>Enabled</Status><Other>x</Other></VersioningConfiguration>`, "MalformedXML"},
		{`<VersioningConfiguration><Status>Enabled`, "MalformedXML"},
		{`<VersioningConfiguration><Status>Enabled</Status>` + strings.Repeat(" ", 5000) + `</VersioningConfiguration>`, "MalformedXML"},
	} {
		w := e.do("PUT", "/vbk?versioning", strings.NewReader(c.body))
		expectErr(t, w, 400, c.code)
	}
	// MFA delete needs MFA devices, which signet has not: refused, and
	// the bucket's state is left as it was.
	er := expectErr(t, e.do("PUT", "/vbk?versioning", strings.NewReader(`<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Enabled</MfaDelete></VersioningConfiguration>`)), 501, "NotImplemented")
	if !strings.Contains(er.Message, "MFA delete") {
		t.Errorf("message %q", er.Message)
	}
	if w := e.mustDo(200, "GET", "/vbk?versioning", ""); !strings.Contains(w.Body.String(), "<Status>Suspended</Status>") {
		t.Errorf("a refused configuration changed the state: %s", w.Body.String())
	}
	expectErr(t, e.do("PUT", "/novbk?versioning", strings.NewReader(enableVersioning)), 404, "NoSuchBucket")
	expectErr(t, e.do("GET", "/novbk?versioning", nil), 404, "NoSuchBucket")
}

func FuzzVersioningConfiguration(f *testing.F) {
	for _, s := range []string{enableVersioning, suspendVersioning, `<VersioningConfiguration/>`, `<VersioningConfiguration><MfaDelete>Enabled</MfaDelete></VersioningConfiguration>`, `<a>`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := parseVersioningConfiguration(data)
		if err != nil {
			if v != "" {
				t.Fatalf("state %q with error %v", v, err)
			}
			return
		}
		if v != "Enabled" && v != "Suspended" {
			t.Fatalf("accepted state %q", v)
		}
	})
}

// versionOf returns the x-amz-version-id of a response, failing when it
// is not an ID S3 could send.
func versionOf(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	v := w.Header().Get("x-amz-version-id")
	if len(v) != 32 || !urlSafe(v) {
		t.Fatalf("x-amz-version-id %q: want 32 URL-safe characters", v)
	}
	return v
}

func TestVersionedObjects(t *testing.T) {
	e := newEnv(t)
	e.bucket("vbk")
	e.put("vbk", "k", "null version")
	if w := e.mustDo(200, "GET", "/vbk/k", ""); w.Header().Get("x-amz-version-id") != "" {
		t.Errorf("x-amz-version-id in a bucket never versioned: %q", w.Header().Get("x-amz-version-id"))
	}
	e.mustDo(200, "PUT", "/vbk?versioning", enableVersioning)
	v1 := versionOf(t, e.put("vbk", "k", "one"))
	v2 := versionOf(t, e.put("vbk", "k", "two"))
	if v1 == v2 {
		t.Fatal("two writes, one version ID")
	}
	for _, c := range []struct{ target, body, id string }{
		{"/vbk/k", "two", v2}, {"/vbk/k?versionId=" + v1, "one", v1}, {"/vbk/k?versionId=null", "null version", "null"},
	} {
		w := e.mustDo(200, "GET", c.target, "")
		if w.Body.String() != c.body || w.Header().Get("x-amz-version-id") != c.id {
			t.Errorf("GET %s: %q version %q, want %q %q", c.target, w.Body.String(), w.Header().Get("x-amz-version-id"), c.body, c.id)
		}
	}
	if w := e.mustDo(200, "HEAD", "/vbk/k?versionId="+v1, ""); w.Header().Get("Content-Length") != "3" {
		t.Errorf("HEAD of v1: %v", w.Header())
	}
	er := expectErr(t, e.do("GET", "/vbk/k?versionId=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", nil), 404, "NoSuchVersion")
	if er.Message != "The specified version does not exist." {
		t.Errorf("NoSuchVersion message %q", er.Message)
	}
	expectErr(t, e.do("GET", "/vbk/k?versionId=bad%20id", nil), 400, "InvalidArgument")
	if er := expectErr(t, e.do("GET", "/vbk/k?versionId=", nil), 400, "InvalidArgument"); er.Message != "Version id cannot be the empty string" {
		t.Errorf("empty versionId: %q", er.Message)
	}
	// Conditional writes judge the current version.
	expectErr(t, e.do("PUT", "/vbk/k", strings.NewReader("x"), "If-None-Match", "*"), 412, "PreconditionFailed")

	// DELETE without versionId: a delete marker on top.
	w := e.mustDo(204, "DELETE", "/vbk/k", "")
	m := versionOf(t, w)
	if w.Header().Get("x-amz-delete-marker") != "true" {
		t.Errorf("DELETE: no x-amz-delete-marker")
	}
	w = e.do("GET", "/vbk/k", nil)
	expectErr(t, w, 404, "NoSuchKey")
	if w.Header().Get("x-amz-delete-marker") != "true" || w.Header().Get("x-amz-version-id") != m {
		t.Errorf("GET behind a marker: headers %v", w.Header())
	}
	w = e.do("GET", "/vbk/k?versionId="+m, nil)
	expectErr(t, w, 405, "MethodNotAllowed")
	if w.Header().Get("x-amz-delete-marker") != "true" || w.Header().Get("x-amz-version-id") != m {
		t.Errorf("GET of the marker: headers %v", w.Header())
	}
	if w := e.mustDo(200, "GET", "/vbk?list-type=2", ""); strings.Contains(w.Body.String(), "<Key>k</Key>") {
		t.Errorf("ListObjectsV2 lists a key behind a delete marker: %s", w.Body.String())
	}
	// The marker is listed with the versions under it, newest first.
	list := listVersionEntries(t, e, "vbk")
	var got []string
	for _, en := range list {
		got = append(got, fmt.Sprintf("%s %s %v", en.XMLName.Local, en.VersionId, en.IsLatest))
	}
	want := []string{"DeleteMarker " + m + " true", "Version " + v2 + " false", "Version " + v1 + " false", "Version null false"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("versions:\n got %q\nwant %q", got, want)
	}

	// DELETE of the marker by ID brings two back.
	w = e.mustDo(204, "DELETE", "/vbk/k?versionId="+m, "")
	if w.Header().Get("x-amz-delete-marker") != "true" || w.Header().Get("x-amz-version-id") != m {
		t.Errorf("DELETE of the marker: headers %v", w.Header())
	}
	if w := e.mustDo(200, "GET", "/vbk/k", ""); w.Body.String() != "two" {
		t.Errorf("after removing the marker: %q", w.Body.String())
	}
	// DELETE of a version frees its bytes.
	before := e.blobCount()
	e.mustDo(204, "DELETE", "/vbk/k?versionId="+v1, "")
	if n := e.blobCount(); n != before-1 {
		t.Errorf("blobs %d after deleting a version, want %d", n, before-1)
	}
	expectErr(t, e.do("GET", "/vbk/k?versionId="+v1, nil), 404, "NoSuchVersion")
	e.mustDo(204, "DELETE", "/vbk/k?versionId="+v1, "")

	// A completed multipart upload is a version too.
	id := createUpload(t, e, "vbk", "mp")
	p := e.mustDo(200, "PUT", "/vbk/mp?partNumber=1&uploadId="+id, "part")
	versionOf(t, e.mustDo(200, "POST", "/vbk/mp?uploadId="+id, completeXML(p.Header().Get("ETag"))))
	// A copy makes a version of its target, from the source's current
	// version or the one it names.
	versionOf(t, e.mustDo(200, "PUT", "/vbk/copy", "", "x-amz-copy-source", "/vbk/k"))
	w = e.mustDo(200, "PUT", "/vbk/copy", "", "x-amz-copy-source", "/vbk/k?versionId=null")
	if w.Header().Get("x-amz-copy-source-version-id") != "null" || e.mustDo(200, "GET", "/vbk/copy", "").Body.String() != "null version" {
		t.Errorf("copy of the null version: %v", w.Header())
	}
	expectErr(t, e.do("PUT", "/vbk/copy", nil, "x-amz-copy-source", "/vbk/k?versionId="+v1), 404, "NoSuchVersion")
	mk := versionOf(t, e.mustDo(204, "DELETE", "/vbk/gone", ""))
	expectErr(t, e.do("PUT", "/vbk/copy", nil, "x-amz-copy-source", "/vbk/gone?versionId="+mk), 400, "InvalidRequest")
	// A key behind a delete marker has no current object for
	// If-None-Match to find.
	versionOf(t, e.put("vbk", "gone", "back", "If-None-Match", "*"))
	// UploadPartCopy reads a named version too.
	up := createUpload(t, e, "vbk", "pc")
	w = e.mustDo(200, "PUT", "/vbk/pc?partNumber=1&uploadId="+up, "", "x-amz-copy-source", "/vbk/k?versionId=null")
	if w.Header().Get("x-amz-copy-source-version-id") != "null" {
		t.Errorf("UploadPartCopy of the null version: %v", w.Header())
	}
	e.mustDo(204, "DELETE", "/vbk/pc?uploadId="+up, "")

	// Empty the bucket as tools do: DeleteObjects with every version.
	list = listVersionEntries(t, e, "vbk")
	var b strings.Builder
	b.WriteString("<Delete>")
	for _, en := range list {
		fmt.Fprintf(&b, "<Object><Key>%s</Key><VersionId>%s</VersionId></Object>", en.Key, en.VersionId)
	}
	b.WriteString("</Delete>")
	res := e.mustDo(200, "POST", "/vbk?delete", b.String()).Body.String()
	if strings.Contains(res, "<Error>") || strings.Count(res, "<Deleted>") != len(list) {
		t.Fatalf("DeleteObjects: %s", res)
	}
	e.mustDo(204, "DELETE", "/vbk", "")
	if n := e.blobCount(); n != 0 {
		t.Errorf("%d blobs left", n)
	}
}

type versionEntryT struct {
	XMLName   xml.Name
	Key       string
	VersionId string
	IsLatest  bool
}

// listVersionEntries lists a bucket's versions and delete markers in the
// order the body holds them.
func listVersionEntries(t *testing.T, e *env, bucket string) []versionEntryT {
	t.Helper()
	var list struct {
		Entries []versionEntryT `xml:",any"`
	}
	if err := xml.Unmarshal(e.mustDo(200, "GET", "/"+bucket+"?versions", "").Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	var out []versionEntryT
	for _, en := range list.Entries {
		if en.XMLName.Local == "Version" || en.XMLName.Local == "DeleteMarker" {
			out = append(out, en)
		}
	}
	return out
}

func TestSuspendedVersioning(t *testing.T) {
	e := newEnv(t)
	e.bucket("sbk")
	e.mustDo(200, "PUT", "/sbk?versioning", enableVersioning)
	v1 := versionOf(t, e.put("sbk", "k", "one"))
	e.mustDo(200, "PUT", "/sbk?versioning", suspendVersioning)
	for _, body := range []string{"null 1", "null 2"} {
		if w := e.put("sbk", "k", body); w.Header().Get("x-amz-version-id") != "null" {
			t.Errorf("PUT in a Suspended bucket: version %q, want null", w.Header().Get("x-amz-version-id"))
		}
	}
	// The second null version replaced the first: v1's blob and one null.
	if n := e.blobCount(); n != 2 {
		t.Errorf("%d blobs, want 2", n)
	}
	w := e.mustDo(204, "DELETE", "/sbk/k", "")
	if w.Header().Get("x-amz-version-id") != "null" || w.Header().Get("x-amz-delete-marker") != "true" {
		t.Errorf("DELETE in a Suspended bucket: %v", w.Header())
	}
	if n := e.blobCount(); n != 1 {
		t.Errorf("%d blobs after a null delete marker, want 1", n)
	}
	// DeleteObjects reports markers as S3 does.
	res := e.mustDo(200, "POST", "/sbk?delete", "<Delete><Object><Key>k</Key><VersionId>null</VersionId></Object><Object><Key>k</Key><VersionId>"+v1+"</VersionId></Object></Delete>").Body.String()
	if !strings.Contains(res, "<Deleted><Key>k</Key><VersionId>null</VersionId><DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>null</DeleteMarkerVersionId></Deleted>") ||
		!strings.Contains(res, "<Deleted><Key>k</Key><VersionId>"+v1+"</VersionId></Deleted>") {
		t.Errorf("DeleteObjects: %s", res)
	}
	if n := e.blobCount(); n != 0 {
		t.Errorf("%d blobs left", n)
	}
}
