package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The console's bucket policy and CORS editors and its uploads in parts,
// in Debian's headless Chromium against the built binary: a policy S3
// refuses shows S3's error next to the field with the text kept, then a
// valid one is saved; CORS the same; a file dropped on the upload box
// goes up in three parts (with a 1 MiB threshold asked in the address)
// and downloads byte for byte. Every state is photographed at 1280×800
// and 390×844.

const (
	// refusedPolicy is about another bucket: MalformedPolicy.
	refusedPolicy     = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:DeleteBucket","Resource":"arn:aws:s3:::elsewhere"}]}`
	validPolicy       = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:DeleteBucket","Resource":"arn:aws:s3:::edits"}]}`
	refusedCORS       = `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>FETCH</AllowedMethod></CORSRule></CORSConfiguration>`
	denyPresignedPuts = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::edits/*",` +
		`"Condition":{"StringEquals":{"s3:authType":"REST-QUERY-STRING"}}}]}`
	validCORS = `<CORSConfiguration><CORSRule><AllowedOrigin>https://www.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod><ExposeHeader>ETag</ExposeHeader></CORSRule></CORSConfiguration>`
)

// dropFile drops the file at path on the upload box as from the desktop:
// the browser's own drag events, carrying the file's path.
func dropFile(t *testing.T, tab context.Context, path string) {
	t.Helper()
	at, err := chromedp.Run(tab, chromedp.Evaluate[[]float64](`(() => {
		const el = document.getElementById('upload');
		el.scrollIntoView({block: 'center'});
		const r = el.getBoundingClientRect();
		return [r.x + r.width / 2, r.y + r.height / 2];
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	drag := &input.DragData{Files: []string{path}, DragOperationsMask: 1}
	for _, typ := range []input.DispatchDragEventType{input.DispatchDragEventTypeDragEnter, input.DispatchDragEventTypeDragOver, input.DispatchDragEventTypeDrop} {
		if _, err := chromedp.Call(tab, input.DispatchDragEvent, input.DispatchDragEventParams{Type: typ, X: at[0], Y: at[1], Data: drag}); err != nil {
			t.Fatalf("drag event %s: %v", typ, err)
		}
	}
}

func TestConsoleEditorsAndUploadInParts(t *testing.T) {
	chromium := chromiumPath(t)
	p := devServer(t)
	tab := startChromium(t, chromium)
	shots := newConsoleShots(t)
	base := p.endpoint + "/_signet/console/"
	// 11 MiB and a little: three parts of S3's 5 MiB minimum.
	big := make([]byte, 11<<20+12345)
	for i := range big {
		big[i] = byte(i*31 + i>>12)
	}
	file := filepath.Join(t.TempDir(), "film.bin")
	if err := os.WriteFile(file, big, 0o644); err != nil {
		t.Fatal(err)
	}

	must := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(tab, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	value := func(id string) string {
		t.Helper()
		v, err := chromedp.Run(tab, chromedp.Value(chromedp.ID(id)))
		if err != nil {
			t.Fatalf("value of #%s: %v", id, err)
		}
		return v
	}
	must("signing in", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(base), chromedp.WaitVisible(chromedp.ID("access_key_id")),
		chromedp.SendKeys(chromedp.ID("access_key_id"), rootAK), chromedp.SendKeys(chromedp.ID("secret_access_key"), rootSK+kb.Enter),
		chromedp.WaitVisible(chromedp.ID("create-bucket")))
	must("creating a bucket", chromedp.SendKeys(chromedp.ID("new-bucket"), "edits"), chromedp.Click(chromedp.ID("create-bucket")),
		chromedp.WaitVisible(chromedp.ID("bucket-settings")))
	must("opening the bucket's settings", chromedp.Click(chromedp.ID("bucket-settings")), chromedp.WaitVisible(chromedp.ID("policy")))
	shots.take(t, tab, "edit-settings-empty")

	must("saving a policy S3 refuses", chromedp.SetValue(chromedp.ID("policy"), refusedPolicy), chromedp.Click(chromedp.ID("save-policy")),
		chromedp.WaitVisible(chromedp.ID("policy-error")))
	if e := text(t, tab, "#policy-error"); e != "MalformedPolicy: Policy has invalid resource" {
		t.Errorf("policy error shown: %q", e)
	}
	if v := value("policy"); v != refusedPolicy {
		t.Errorf("the refused policy is not kept in its field: %q", v)
	}
	shots.take(t, tab, "edit-settings-policy-error")
	must("saving a valid policy", chromedp.SetValue(chromedp.ID("policy"), validPolicy), chromedp.Click(chromedp.ID("save-policy")),
		chromedp.WaitVisible(chromedp.ID("saved")))
	if s := text(t, tab, "#saved"); s != "The bucket policy is saved." || !strings.Contains(value("policy"), `"arn:aws:s3:::edits"`) {
		t.Errorf("after saving the policy: %q, field %q", s, value("policy"))
	}

	must("saving CORS S3 refuses", chromedp.SetValue(chromedp.ID("cors"), refusedCORS), chromedp.Click(chromedp.ID("save-cors")),
		chromedp.WaitVisible(chromedp.ID("cors-error")))
	if e := text(t, tab, "#cors-error"); e != "InvalidRequest: Found unsupported HTTP method in CORS config. Unsupported method is FETCH" {
		t.Errorf("CORS error shown: %q", e)
	}
	if v := value("cors"); v != refusedCORS {
		t.Errorf("the refused CORS document is not kept in its field: %q", v)
	}
	shots.take(t, tab, "edit-settings-cors-error")
	must("saving valid CORS", chromedp.SetValue(chromedp.ID("cors"), validCORS), chromedp.Click(chromedp.ID("save-cors")),
		chromedp.WaitVisible(chromedp.ID("saved")))
	if s := text(t, tab, "#saved"); s != "The CORS configuration is saved." || !strings.Contains(value("cors"), "<ExposeHeader>ETag</ExposeHeader>") {
		t.Errorf("after saving CORS: %q, field %q", s, value("cors"))
	}
	shots.take(t, tab, "edit-settings-saved")

	must("opening the bucket with a 1 MiB threshold", chromedp.Navigate(base+"objects?bucket=edits&multipart_threshold=1048576"),
		chromedp.WaitVisible(chromedp.ID("upload")))
	dropFile(t, tab, file)
	must("uploading the dropped file in parts", chromedp.WaitVisible(chromedp.Search(`//a[normalize-space(text())="film.bin"]`)))
	shots.take(t, tab, "edit-objects-after-drop")
	must("opening the object", chromedp.Click(chromedp.Search(`//a[normalize-space(text())="film.bin"]`)), chromedp.WaitVisible(chromedp.ID("download")))
	// A multipart object's ETag ends with its number of parts.
	if h, want := text(t, tab, "table"), `"`+multipartETag(big, 5<<20)+`"`; !strings.Contains(h, want) {
		t.Errorf("the dropped file's ETag is not %s, three parts of 5 MiB:\n%s", want, h)
	}
	sum := sha256.Sum256(big)
	got, err := chromedp.Run(tab, chromedp.Evaluate[string](`fetch(document.getElementById('download').href)
		.then(r => r.ok ? r.arrayBuffer() : Promise.reject(new Error('download answered ' + r.status)))
		.then(b => crypto.subtle.digest('SHA-256', b))
		.then(d => [...new Uint8Array(d)].map(x => x.toString(16).padStart(2, '0')).join(''))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("downloading the object: %v", err)
	}
	if want := hex.EncodeToString(sum[:]); got != want {
		t.Errorf("downloaded SHA-256 %s, uploaded %s", got, want)
	}

	// A part S3 refuses ends the upload: the page aborts it, and no
	// upload is left with parts stored. The policy denies presigned
	// PUTs, so the console's header-signed CreateMultipartUpload passes
	// and the browser's UploadParts do not.
	must("denying presigned uploads", chromedp.Navigate(base+"settings?bucket=edits"), chromedp.WaitVisible(chromedp.ID("policy")),
		chromedp.SetValue(chromedp.ID("policy"), denyPresignedPuts), chromedp.Click(chromedp.ID("save-policy")), chromedp.WaitVisible(chromedp.ID("saved")))
	must("opening the bucket again", chromedp.Navigate(base+"objects?bucket=edits&multipart_threshold=1048576"), chromedp.WaitVisible(chromedp.ID("upload")))
	dropFile(t, tab, file)
	must("waiting for the refusal", chromedp.WaitVisible(chromedp.Search(`//p[@id="upload-status" and contains(., "Upload failed")]`)))
	if s := text(t, tab, "#upload-status"); !strings.Contains(s, "Upload failed: AccessDenied: ") || !strings.HasSuffix(s, "; the upload was aborted, no part of it is kept") {
		t.Errorf("the page after a refused part: %q", s)
	}
	shots.take(t, tab, "edit-upload-refused")
	var uploads struct{ Uploads []any }
	newClientEnv(t).atJSON(t, p, &uploads, "s3api", "list-multipart-uploads", "--bucket", "edits")
	if len(uploads.Uploads) != 0 {
		t.Errorf("uploads left after the abort: %v", uploads.Uploads)
	}
}
