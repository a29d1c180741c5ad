package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// A real browser against the built binary: Debian's Chromium, headless,
// driven over the DevTools protocol, runs the page of the README's "Upload
// from a browser" (e2e/testdata/browser/app.html) served on one origin
// (http://localhost:PORT) against signet on another (http://127.0.0.1:PORT).
// What the page sees is what the browser let it see: a CORS header missing
// on any answer turns the page's fetch into a TypeError.

// The README shows these files; TestBrowserREADMEShowsItsFiles holds it to
// them.
const (
	browserApp  = "testdata/browser/app.html"
	browserCORS = "testdata/browser/cors.json"
	// readmeOrigin is the page's origin in the README's cors.json and
	// commands; the test puts its own page server's origin in its place.
	readmeOrigin = "http://localhost:8000"
)

// The README's commands, as the test runs them (with readmeOrigin
// replaced, and --endpoint-url added).
var (
	readmeCommands = [][]string{
		{"aws", "s3", "mb", "s3://uploads"},
		{"aws", "s3api", "put-bucket-cors", "--bucket", "uploads", "--cors-configuration", "file://cors.json"},
		readmeFormPage,
	}
	readmeFormPage = []string{"signet", "presign", "--post", "s3://uploads/incoming/", "--content-length-range", "1,10MiB",
		"--starts-with", "success_action_redirect=" + readmeOrigin + "/done", "--html"}
	readmeFormJSON = []string{"signet", "presign", "--post", "s3://uploads/incoming/", "--content-length-range", "1,10MiB", "--json"}
)

// browserWorld is a dev-clock signet (an identityWorld: alice, the role
// reader, the bucket life) seen by a headless Chromium whose page comes
// from another origin.
type browserWorld struct {
	*identityWorld
	page   *httptest.Server
	origin string          // the page's origin, http://localhost:PORT
	tab    context.Context // the browser tab, on the page
	cors   string          // the README's cors.json with origin in it

	mu   sync.Mutex
	form []byte // the page served at /form.html
}

// chromiumPath finds Debian's Chromium (never a downloaded browser).
func chromiumPath(t *testing.T) string {
	t.Helper()
	requireTool(t, "chromium", "--version")
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func newBrowserWorld(t *testing.T) *browserWorld {
	t.Helper()
	chromium := chromiumPath(t)
	w := &browserWorld{identityWorld: newIdentityWorld(t)}
	w.startPage(t)
	cors, err := os.ReadFile(browserCORS)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cors), readmeOrigin) {
		t.Fatalf("%s does not name the README's page origin %s", browserCORS, readmeOrigin)
	}
	w.cors = strings.ReplaceAll(string(cors), readmeOrigin, w.origin)
	w.tab = startChromium(t, chromium)
	if err := chromedp.Do(w.tab, chromedp.Navigate(w.origin+"/app.html")); err != nil {
		t.Fatalf("opening %s/app.html: %v", w.origin, err)
	}
	return w
}

// startPage serves the page's origin: the README's app.html, the form
// `signet presign --post --html` printed (/form.html), and /done, where
// that form's success_action_redirect comes back.
func (w *browserWorld) startPage(t *testing.T) {
	t.Helper()
	app, err := os.ReadFile(browserApp)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	html := func(rw http.ResponseWriter, b []byte) {
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		rw.Write(b)
	}
	mux.HandleFunc("GET /app.html", func(rw http.ResponseWriter, r *http.Request) { html(rw, app) })
	mux.HandleFunc("GET /form.html", func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		defer w.mu.Unlock()
		html(rw, w.form)
	})
	mux.HandleFunc("GET /done", func(rw http.ResponseWriter, r *http.Request) {
		html(rw, []byte(`<!DOCTYPE html><title>done</title><p id="done">uploaded</p>`))
	})
	w.page = httptest.NewServer(mux)
	t.Cleanup(w.page.Close)
	u, err := url.Parse(w.page.URL)
	if err != nil {
		t.Fatal(err)
	}
	// localhost, not 127.0.0.1: another origin than signet's even were
	// the ports equal, and the one a developer's page runs on.
	w.origin = "http://localhost:" + u.Port()
}

// startChromium starts a headless Chromium with an empty profile and
// returns a tab. Console messages and uncaught exceptions go to the test
// log, where a CORS refusal explains itself.
func startChromium(t *testing.T, path string) context.Context {
	t.Helper()
	home := t.TempDir()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// A container's /dev/shm may be too small for the renderer.
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(filepath.Join(home, "profile")),
		chromedp.NoInheritEnv,
		chromedp.Env(append(cleanEnv(), "HOME="+home)...),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(cancelTab)
	err := chromedp.Listen(tab, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			t.Logf("chromium console.%s: %s", ev.Type, strings.Join(args, " "))
		case *runtime.EventExceptionThrown:
			t.Logf("chromium exception: %s", ev.ExceptionDetails.Text)
		case *cdplog.EventEntryAdded:
			t.Logf("chromium log (%s): %s", ev.Entry.Source, ev.Entry.Text)
		}
	})
	if err == nil {
		err = chromedp.Do(tab, chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
			_, err := cdp.Call(ctx, target, cdplog.Enable, cdp.Empty{})
			return err
		}))
	}
	if err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return tab
}

// pageResult is what the page's functions return, or the error their
// promise rejected with (a TypeError when the browser refused).
type pageResult struct {
	Status int    `json:"status"`
	ETag   string `json:"etag"`
	Error  *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	// Length and SHA256 describe the bytes getFile received.
	Length   int    `json:"length"`
	SHA256   string `json:"sha256"`
	Rejected string `json:"rejected"`
}

func (r pageResult) code() string {
	if r.Error == nil {
		return ""
	}
	return r.Error.Code
}

// eval awaits the promise expr makes in the page; a rejection becomes
// Rejected ("TypeError: Failed to fetch").
func (w *browserWorld) eval(t *testing.T, expr string) pageResult {
	t.Helper()
	js := `(async () => { try { return await (async () => ` + expr + `)(); } catch (e) { return {rejected: String(e)}; } })()`
	out, err := chromedp.Run(w.tab, chromedp.Evaluate[pageResult](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluating in the page: %v\n%s", err, expr)
	}
	return out
}

// jsBytes is a JavaScript Uint8Array of b.
func jsBytes(b []byte) string {
	return `Uint8Array.from(atob('` + base64.StdEncoding.EncodeToString(b) + `'), c => c.charCodeAt(0))`
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// put has the page PUT body to a presigned URL with Content-Type typ.
func (w *browserWorld) put(t *testing.T, presigned, typ string, body []byte) pageResult {
	t.Helper()
	return w.eval(t, fmt.Sprintf("putFile(%s, new Blob([%s]), %s)", jsString(presigned), jsBytes(body), jsString(typ)))
}

// get has the page GET a presigned URL; the bytes come back as their
// length and SHA-256.
func (w *browserWorld) get(t *testing.T, presigned string) pageResult {
	t.Helper()
	return w.eval(t, `getFile(`+jsString(presigned)+`).then(async r => {
		if (!r.bytes) return r;
		const sum = new Uint8Array(await crypto.subtle.digest('SHA-256', r.bytes));
		return {status: r.status, length: r.bytes.length, sha256: Array.from(sum, b => b.toString(16).padStart(2, '0')).join('')};
	})`)
}

// signet runs one of the README's signet commands with the test page's
// origin, against the test's server.
func (w *browserWorld) signet(t *testing.T, cmd []string) result {
	t.Helper()
	args := make([]string, 0, len(cmd)+1)
	for _, a := range cmd[1:] {
		args = append(args, strings.ReplaceAll(a, readmeOrigin, w.origin))
	}
	r := w.root.run(t, "", binPath, append(args, "--endpoint-url", w.p.endpoint)...)
	if r.err != nil {
		t.Fatalf("signet failed:\n%s", r)
	}
	return r
}

// presignWith runs the built `signet presign` as c against endpoint.
func presignWith(t *testing.T, c *clientEnv, endpoint string, args ...string) string {
	t.Helper()
	r := c.run(t, "", binPath, append(append([]string{"presign"}, args...), "--endpoint-url", endpoint)...)
	if r.err != nil {
		t.Fatalf("signet presign failed:\n%s", r)
	}
	u := strings.TrimSpace(r.stdout)
	rememberSignature(u)
	return u
}

// putCORS gives bucket the README's CORS configuration (with the test
// page's origin), MaxAgeSeconds replaced by maxAge when it is not "".
func (w *browserWorld) putCORS(t *testing.T, bucket, maxAge string) {
	t.Helper()
	config := w.cors
	if maxAge != "" {
		config = strings.Replace(config, `"MaxAgeSeconds": 600`, `"MaxAgeSeconds": `+maxAge, 1)
		if config == w.cors {
			t.Fatalf("%s has no \"MaxAgeSeconds\": 600 to replace", browserCORS)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "cors.json"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	w.root.ok(t, dir, "aws", "--endpoint-url", w.p.endpoint, "s3api", "put-bucket-cors", "--bucket", bucket, "--cors-configuration", "file://cors.json")
}

// object reads an object back through the AWS CLI, outside the browser.
func (w *browserWorld) object(t *testing.T, bucket, key string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "object")
	w.root.at(t, w.p, "s3api", "get-object", "--bucket", bucket, "--key", key, out)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// countingProxy forwards to signet and counts the requests it saw, by
// method and path: the browser's preflights, which the page cannot see.
type countingProxy struct {
	*httptest.Server
	mu   sync.Mutex
	seen map[string]int
}

func newCountingProxy(t *testing.T, target string) *countingProxy {
	t.Helper()
	to, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{seen: map[string]int{}}
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(to)
		// The URL was signed for the proxy's host; signet must see it.
		pr.Out.Host = pr.In.Host
	}}
	p.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.seen[r.Method+" "+r.URL.Path]++
		p.mu.Unlock()
		rp.ServeHTTP(rw, r)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *countingProxy) count(method, path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen[method+" "+path]
}

func TestBrowser(t *testing.T) {
	t.Parallel()
	w := newBrowserWorld(t)
	c := w.root
	// The README's first two commands (the third is in postWithForm).
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "cors.json"), []byte(w.cors), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range readmeCommands[:2] {
		c.ok(t, dir, cmd[0], append([]string{"--endpoint-url", w.p.endpoint}, cmd[1:]...)...)
	}
	w.putCORS(t, "life", "")

	// 1. A presigned PUT from the page: Content-Type makes it a preflighted
	// request; the upload lands byte for byte and the page reads its ETag
	// (ExposeHeaders).
	body := make([]byte, 1024)
	for i := range body {
		body[i] = byte(i)
	}
	putURL := presignWith(t, c, w.p.endpoint, "s3://uploads/put/blob.bin", "--method", "PUT", "--content-type", "application/octet-stream")
	r := w.put(t, putURL, "application/octet-stream", body)
	if r.Status != 200 || r.ETag != `"`+md5Hex(body)+`"` || r.Rejected != "" {
		t.Fatalf("presigned PUT from the page: %+v, want 200 with ETag %q", r, md5Hex(body))
	}
	if got := w.object(t, "uploads", "put/blob.bin"); string(got) != string(body) {
		t.Fatalf("the object the page PUT has %d bytes, not the page's %d", len(got), len(body))
	}

	// 4. A presigned GET from the page returns those bytes.
	getURL := presignWith(t, c, w.p.endpoint, "s3://uploads/put/blob.bin")
	r = w.get(t, getURL)
	if r.Status != 200 || r.Length != len(body) || r.SHA256 != sha256Hex(body) {
		t.Fatalf("presigned GET from the page: %+v, want 200 with %d bytes of SHA-256 %s", r, len(body), sha256Hex(body))
	}

	w.postWithFetch(t)
	w.postWithForm(t)
	if err := chromedp.Do(w.tab, chromedp.Navigate(w.origin+"/app.html")); err != nil {
		t.Fatalf("back to %s/app.html: %v", w.origin, err)
	}

	t.Run("no CORS rule, no access", func(t *testing.T) { w.noCORS(t) })
	t.Run("preflight cache", func(t *testing.T) { w.preflightCache(t) })
	// Last: it moves the server's clock 12 hours on.
	t.Run("session ended", func(t *testing.T) { w.sessionEnded(t) })
}

// 2. The form of `signet presign --post --json`, posted by the page's
// fetch as FormData: no preflight (a form's content type is a simple one),
// S3's 204, the ETag readable, and ${filename} in the key replaced by the
// File's name.
func (w *browserWorld) postWithFetch(t *testing.T) {
	t.Helper()
	r := w.signet(t, readmeFormJSON)
	var form struct {
		URL    string            `json:"url"`
		Fields map[string]string `json:"fields"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &form); err != nil || form.Fields["key"] != "incoming/${filename}" {
		t.Fatalf("signet presign --post --json: %v, key %q\n%s", err, form.Fields["key"], r)
	}
	rememberSecret(form.Fields["x-amz-signature"])
	body := []byte("posted by fetch \x00\x01\xff")
	res := w.eval(t, fmt.Sprintf("postFile(%s, new File([%s], 'note.bin'))", strings.TrimSpace(r.stdout), jsBytes(body)))
	if res.Status != 204 || res.ETag != `"`+md5Hex(body)+`"` || res.Rejected != "" {
		t.Fatalf("presigned POST with fetch from the page: %+v, want 204 with ETag %q", res, md5Hex(body))
	}
	if got := w.object(t, "uploads", "incoming/note.bin"); string(got) != string(body) {
		t.Fatalf("the object the page POSTed holds %q, not %q", got, body)
	}
}

// 3. The page `signet presign --post --html` prints, served on the page's
// origin and submitted as a plain form with a file chosen in its input: a
// navigation, so no CORS is involved; S3's 303 brings the browser back to
// the page's origin with bucket, key and ETag in the query.
func (w *browserWorld) postWithForm(t *testing.T) {
	t.Helper()
	done := w.origin + "/done"
	r := w.signet(t, readmeFormPage)
	w.mu.Lock()
	w.form = []byte(r.stdout)
	w.mu.Unlock()
	file := filepath.Join(t.TempDir(), "yawning cat.jpg")
	body := writeRandom(t, file, 50_000)
	err := chromedp.Do(w.tab,
		chromedp.Navigate(w.origin+"/form.html"),
		chromedp.SetUploadFiles(chromedp.CSS(`input[type=file][name=file]`), []string{file}),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("done")),
	)
	if err != nil {
		t.Fatalf("submitting the form of signet presign --post --html: %v\n%s", err, r.stdout)
	}
	loc, err := chromedp.Run(w.tab, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if !strings.HasPrefix(loc, done+"?") || q.Get("bucket") != "uploads" || q.Get("key") != "incoming/yawning cat.jpg" || q.Get("etag") != `"`+md5Hex(body)+`"` {
		t.Fatalf("the form's upload ended at %s, want %s with bucket uploads, key \"incoming/yawning cat.jpg\" and ETag %q", loc, done, md5Hex(body))
	}
	if got := w.object(t, "uploads", "incoming/yawning cat.jpg"); string(got) != string(body) {
		t.Fatalf("the object the form uploaded has %d bytes, not the file's %d", len(got), len(body))
	}
}

// 6. A bucket without CORS rules: the preflight of a PUT is refused, so
// the PUT is never sent, and the answer to a GET is withheld from the
// page. Both reject with a TypeError, and nothing was written.
func (w *browserWorld) noCORS(t *testing.T) {
	c := w.root
	c.at(t, w.p, "s3", "mb", "s3://no-cors")
	src := filepath.Join(t.TempDir(), "there.txt")
	writeRandom(t, src, 100)
	c.at(t, w.p, "s3", "cp", src, "s3://no-cors/there.txt")

	putURL := presignWith(t, c, w.p.endpoint, "s3://no-cors/blocked.bin", "--method", "PUT", "--content-type", "text/plain")
	if r := w.put(t, putURL, "text/plain", []byte("blocked")); !strings.HasPrefix(r.Rejected, "TypeError") {
		t.Errorf("PUT to a bucket without CORS rules: %+v, want the fetch rejected with a TypeError", r)
	}
	if r := c.run(t, "", "aws", "--endpoint-url", w.p.endpoint, "s3api", "head-object", "--bucket", "no-cors", "--key", "blocked.bin"); r.err == nil || !strings.Contains(r.stderr, "(404)") {
		t.Errorf("the refused PUT wrote the object:\n%s", r)
	}
	if r := w.get(t, presignWith(t, c, w.p.endpoint, "s3://no-cors/there.txt")); !strings.HasPrefix(r.Rejected, "TypeError") {
		t.Errorf("GET from a bucket without CORS rules: %+v, want the fetch rejected with a TypeError", r)
	}
}

// 7. MaxAgeSeconds: Chromium keeps a preflight's answer that long (capped
// at 2 hours) for the same URL, method and headers, so a second identical
// PUT sends no OPTIONS; with MaxAgeSeconds 0 it asks every time. (Without
// the element S3 sends no Access-Control-Max-Age and Chromium caches for 5
// seconds, a window a test cannot hold without judging time.) A counting
// proxy in front of signet sees the OPTIONS the page cannot.
func (w *browserWorld) preflightCache(t *testing.T) {
	proxy := newCountingProxy(t, w.p.endpoint)
	for _, tc := range []struct {
		bucket, maxAge string // maxAge "": the README's 600 seconds
		preflights     int
	}{
		{"cors-cached", "", 1},
		{"cors-uncached", "0", 2},
	} {
		w.root.at(t, w.p, "s3", "mb", "s3://"+tc.bucket)
		w.putCORS(t, tc.bucket, tc.maxAge)
		u := presignWith(t, w.root, proxy.URL, "s3://"+tc.bucket+"/twice.txt", "--method", "PUT", "--content-type", "text/plain")
		for i := range 2 {
			if r := w.put(t, u, "text/plain", []byte("twice")); r.Status != 200 {
				t.Fatalf("%s: PUT %d from the page through the proxy: %+v", tc.bucket, i+1, r)
			}
		}
		path := "/" + tc.bucket + "/twice.txt"
		if n, puts := proxy.count("OPTIONS", path), proxy.count("PUT", path); n != tc.preflights || puts != 2 {
			t.Errorf("%s: two identical PUTs sent %d OPTIONS and %d PUTs, want %d and 2", tc.bucket, n, puts, tc.preflights)
		}
	}
}

// 5. A GET signed with a role session, for a week: it works, then the
// session ends (the dev clock moved past its 12 hours) and the page reads
// S3's ExpiredToken from the answer, which carries CORS headers as every
// error does.
func (w *browserWorld) sessionEnded(t *testing.T) {
	_, sess := w.assume(t, "browser", "--duration-seconds", "43200")
	u := presignWith(t, sess, w.p.endpoint, "s3://life/yawning-cat.jpg", "--expires-in", "7d")
	if r := w.get(t, u); r.Status != 200 || r.SHA256 != sha256Hex(w.body) {
		t.Fatalf("the role session's GET from the page: %+v, want 200 with the object", r)
	}
	w.advance(t, "12h0m1s")
	r := w.get(t, u)
	if r.Status != 400 || r.code() != "ExpiredToken" || r.Error.Message != "The provided token has expired." {
		t.Fatalf("the ended session's GET from the page: %+v, want 400 ExpiredToken \"The provided token has expired.\"", r)
	}
}

// The README's "Upload from a browser" shows the files and the commands
// TestBrowser runs: each file between its markers, byte for byte, and each
// command (its lines joined).
func TestBrowserREADMEShowsItsFiles(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, file := range []string{browserCORS, browserApp} {
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		begin := "<!-- begin e2e/" + file + " -->\n"
		_, rest, ok := strings.Cut(readme, begin)
		block, _, ok2 := strings.Cut(rest, "<!-- end -->")
		if !ok || !ok2 {
			t.Errorf("README.md has no %q … \"<!-- end -->\"", strings.TrimSpace(begin))
			continue
		}
		// The block is one fenced code block: drop its fence lines.
		lines := strings.SplitAfter(block, "\n")
		if len(lines) < 3 || !strings.HasPrefix(lines[0], "```") || lines[len(lines)-2] != "```\n" || lines[len(lines)-1] != "" {
			t.Errorf("README.md's block for %s is not one fenced code block:\n%s", file, block)
			continue
		}
		if got := strings.Join(lines[1:len(lines)-2], ""); got != string(want) {
			t.Errorf("README.md's block for %s differs from the file the test serves:\n%s", file, got)
		}
	}
	joined := strings.ReplaceAll(readme, "\\\n  ", "")
	for _, cmd := range append(readmeCommands[:len(readmeCommands):len(readmeCommands)], readmeFormJSON) {
		if line := strings.Join(cmd, " "); !strings.Contains(joined, line) {
			t.Errorf("README.md does not show the command the test runs: %s", line)
		}
	}
}
