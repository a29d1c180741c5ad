package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"signet/internal/sigv4"
)

// presignPostAs runs signet presign --post with c's keys in the
// environment, at the server's time, and returns stdout; it must succeed.
func (w *inspectWorld) presignPostAs(c sigv4.Credentials, args ...string) (stdout, stderr string) {
	w.t.Helper()
	w.t.Setenv("AWS_ACCESS_KEY_ID", c.AccessKeyID)
	w.t.Setenv("AWS_SECRET_ACCESS_KEY", c.SecretAccessKey.Reveal())
	w.t.Setenv("AWS_SESSION_TOKEN", c.SessionToken)
	defer func() {
		os.Setenv("AWS_ACCESS_KEY_ID", adminAKID)
		os.Setenv("AWS_SECRET_ACCESS_KEY", adminSecret)
		os.Setenv("AWS_SESSION_TOKEN", "")
	}()
	var out, errb bytes.Buffer
	now := w.fake.Now()
	code := Main(Env{Ctx: context.Background(), Args: append([]string{"presign", "--post"}, args...), Stdout: &out, Stderr: &errb,
		Getenv: os.Getenv, Now: func() time.Time { return now }})
	if code != 0 {
		w.t.Fatalf("signet presign --post %v: exit %d\n%s", args, code, errb.String())
	}
	return out.String(), errb.String()
}

// postJSONForm is presign --post --json's form, its fields in order.
func postJSONForm(t *testing.T, stdout string) (string, []formField) {
	t.Helper()
	var doc struct {
		URL    string `json:"url"`
		Fields json.RawMessage
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	dec := json.NewDecoder(bytes.NewReader(doc.Fields))
	var fields []formField
	dec.Token() // {
	for dec.More() {
		name, _ := dec.Token()
		var v string
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		fields = append(fields, formField{name.(string), v})
	}
	return doc.URL, fields
}

type formField struct{ Name, Value string }

// postFile sends the form as a browser does: multipart/form-data, the
// fields in order, then the file named filename.
func postFile(t *testing.T, action string, fields []formField, filename, content string) psHTTPResp {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range fields {
		if err := mw.WriteField(f.Name, f.Value); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(fw, content)
	mw.Close()
	return psSend(t, http.MethodPost, action, http.Header{"Content-Type": {mw.FormDataContentType()}}, body.String())
}

// getObject reads an object as the root; status and body.
func (w *inspectWorld) getObject(path string) (int, string) {
	w.t.Helper()
	s, b := w.signed(w.root(), "s3", http.MethodGet, path, nil, nil)
	return s, string(b)
}

// TestPresignedPostWorksAgainstSignet: the forms signet presign --post
// prints are accepted by signet's own server, uploaded as a browser posts
// them: an exact key, a size range (a file too large answers
// EntityTooLarge), --starts-with key= with ${filename}, SigV2, and a role
// session's form, which dies with the session (ExpiredToken) while its
// policy still has hours to run.
func TestPresignedPostWorksAgainstSignet(t *testing.T) {
	w := newInspectWorld(t)

	stdout, _ := w.presignPostAs(w.alice, "s3://photos/post/exact.txt", "--json")
	action, fields := postJSONForm(t, stdout)
	if r := postFile(t, action, fields, "whatever.txt", "exact"); r.status != http.StatusNoContent {
		t.Fatalf("POST of the exact-key form: %d %s", r.status, r.body)
	}
	if s, b := w.getObject("/photos/post/exact.txt"); s != 200 || b != "exact" {
		t.Errorf("the object: %d %q", s, b)
	}

	stdout, _ = w.presignPostAs(w.alice, "s3://photos/post/small.txt", "--content-length-range", "1,10", "--json")
	action, fields = postJSONForm(t, stdout)
	if r := postFile(t, action, fields, "big.txt", "eleven byte"); r.status != 400 || !strings.Contains(r.body, "<Code>EntityTooLarge</Code>") {
		t.Errorf("11 bytes through a 1-10 form: %d %s", r.status, r.body)
	}
	if s, _ := w.getObject("/photos/post/small.txt"); s != 404 {
		t.Errorf("the refused file was stored: %d", s)
	}
	if r := postFile(t, action, fields, "ok.txt", "ten bytes!"); r.status != http.StatusNoContent {
		t.Errorf("10 bytes through a 1-10 form: %d %s", r.status, r.body)
	}

	stdout, _ = w.presignPostAs(w.alice, "s3://photos/uploads/", "--starts-with", "key=uploads/", "--json")
	action, fields = postJSONForm(t, stdout)
	if r := postFile(t, action, fields, "dog.txt", "woof"); r.status != http.StatusNoContent {
		t.Fatalf("POST of the prefix form: %d %s", r.status, r.body)
	}
	if s, b := w.getObject("/photos/uploads/dog.txt"); s != 200 || b != "woof" {
		t.Errorf("${filename} did not become the file's name: %d %q", s, b)
	}
	for i := range fields {
		if fields[i].Name == "key" {
			fields[i].Value = "elsewhere/${filename}"
		}
	}
	if r := postFile(t, action, fields, "dog.txt", "woof"); r.status != 403 || !strings.Contains(r.body, "Policy Condition failed") {
		t.Errorf("a key outside the prefix: %d %s", r.status, r.body)
	}

	stdout, _ = w.presignPostAs(w.alice, "s3://photos/post/v2.txt", "--sigv2", "--json")
	action, fields = postJSONForm(t, stdout)
	if r := postFile(t, action, fields, "v2.txt", "sigv2"); r.status != http.StatusNoContent {
		t.Errorf("POST of the SigV2 form: %d %s", r.status, r.body)
	}
	if s, b := w.getObject("/photos/post/v2.txt"); s != 200 || b != "sigv2" {
		t.Errorf("the SigV2 object: %d %q", s, b)
	}

	session := w.assume("uploader", 3600)
	stdout, stderr := w.presignPostAs(session, "s3://photos/post/session.txt", "--expires-in", "12h", "--json")
	if !strings.Contains(stderr, "warning") {
		t.Errorf("no lifetime warning for a 12h form signed by a 1h session:\n%s", stderr)
	}
	action, fields = postJSONForm(t, stdout)
	if r := postFile(t, action, fields, "s.txt", "in time"); r.status != http.StatusNoContent {
		t.Fatalf("POST of the session's form: %d %s", r.status, r.body)
	}
	w.fake.Advance(time.Hour + time.Second) // the policy has 11h left
	if r := postFile(t, action, fields, "s.txt", "too late"); r.status != 400 || !strings.Contains(r.body, "<Code>ExpiredToken</Code>") {
		t.Errorf("POST after the session ended: %d %s", r.status, r.body)
	}
	if s, b := w.getObject("/photos/post/session.txt"); s != 200 || b != "in time" {
		t.Errorf("the session's object: %d %q", s, b)
	}
}

// TestPresignPostHTMLMatchesJSON: the --html page posts the fields --json
// prints, in the same order, to the same URL, with the file last.
func TestPresignPostHTMLMatchesJSON(t *testing.T) {
	w := newInspectWorld(t)
	args := []string{"s3://photos/uploads/", "--content-length-range", "1,1MiB", "--content-type", "text/plain",
		"--starts-with", "x-amz-meta-owner=team-", "--expires-in", "1h"}
	stdout, _ := w.presignPostAs(w.alice, append(args, "--json")...)
	action, fields := postJSONForm(t, stdout)
	page, _ := w.presignPostAs(w.alice, append(args, "--html")...)

	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var forms []string
	var inputs []formField
	var last string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "form" {
			forms = append(forms, attr(n, "action")+" "+attr(n, "method")+" "+attr(n, "enctype"))
		}
		if n.Type == html.ElementNode && n.Data == "input" {
			last = attr(n, "name")
			if attr(n, "type") != "file" {
				inputs = append(inputs, formField{attr(n, "name"), attr(n, "value")})
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if len(forms) != 1 || forms[0] != action+" post multipart/form-data" {
		t.Errorf("forms %q, want one posting multipart/form-data to %s", forms, action)
	}
	if len(inputs) != len(fields) {
		t.Fatalf("page fields %v\njson fields %v", inputs, fields)
	}
	for i := range fields {
		if inputs[i] != fields[i] {
			t.Errorf("field #%d: page %v, json %v", i, inputs[i], fields[i])
		}
	}
	if last != "file" {
		t.Errorf("the last input is %q, want the file", last)
	}
	// The page's fields are accepted by the server as they stand.
	if r := postFile(t, action, inputs, "notes.txt", "from the page"); r.status != http.StatusNoContent {
		t.Errorf("POST of the page's fields: %d %s", r.status, r.body)
	}
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}
