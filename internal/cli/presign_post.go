package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"signet/internal/duration"
	"signet/internal/postpolicy"
	"signet/internal/presign"
)

// postOpts are the flags of signet presign --post, the browser form.
type postOpts struct {
	post        bool
	html        bool
	lengthRange string
	startsWith  listFlag
}

// postFlags declares --post and the flags that only it takes.
func postFlags(o *postOpts) []flagSpec {
	return []flagSpec{
		{name: "post", value: (*switchFlag)(&o.post),
			help: "print a browser upload form (a presigned POST policy) instead\nof a URL: the bucket's URL and the form's fields; a KEY ending\nin / (or holding ${filename}) allows any key under that prefix"},
		{name: "content-length-range", arg: "MIN,MAX", value: (*textFlag)(&o.lengthRange),
			help: "with --post: the file's size must be MIN to MAX, in bytes or\nwith a unit (10MB, 5MiB)"},
		{name: "starts-with", arg: "FIELD=PREFIX", value: &o.startsWith,
			help: "with --post: the form's FIELD must start with PREFIX (repeatable;\n--starts-with key=uploads/, --starts-with x-amz-meta-tag=)"},
		{name: "html", value: (*switchFlag)(&o.html),
			help: "with --post: print a ready-to-open HTML upload page"},
	}
}

// refusePostOnly refuses the form's flags on a presigned URL.
func refusePostOnly(o *presignOpts) error {
	switch {
	case o.post.html:
		return errors.New("--html prints an upload form: it goes with --post")
	case o.post.lengthRange != "":
		return errors.New("--content-length-range is a condition of a POST form: it goes with --post (a presigned PUT signs no size)")
	case len(o.post.startsWith) > 0:
		return errors.New("--starts-with is a condition of a POST form: it goes with --post")
	}
	return nil
}

// postRequest turns the argument and flags into a form to sign, refusing
// the URL-only flags, which a POST form has no place for.
func postRequest(arg string, o *presignOpts) (presign.PostRequest, error) {
	var req presign.PostRequest
	var err error
	switch {
	case o.method != "":
		return req, errors.New("--post makes a form that is always POSTed to the bucket: drop --method")
	case len(o.headers) > 0:
		return req, errors.New("--header signs a header of a URL; a POST form sends fields: use --content-type or --starts-with")
	case o.uploadID != "" || o.partNumber != "" || o.uploads:
		return req, errors.New("--upload-id, --part-number and --uploads presign multipart URLs; a POST form uploads the whole file: drop --post or them")
	case o.json && o.post.html:
		return req, errors.New("--json and --html are two outputs: give one")
	}
	for name, f := range o.overrides {
		if f.set {
			return req, fmt.Errorf("--%s shapes a GET's answer; a POST form uploads", name)
		}
	}
	if req.Bucket, req.Key, err = presign.ParsePostTarget(arg); err != nil {
		return req, err
	}
	if req.ExpiresIn, err = duration.Parse(o.expiresIn); err != nil {
		return req, fmt.Errorf("--expires-in: %v", err)
	}
	req.SigV2, req.ContentType = o.sigv2, o.contentType
	if o.post.lengthRange != "" {
		if req.Length, err = parseLengthRange(o.post.lengthRange); err != nil {
			return req, err
		}
	}
	for _, s := range o.post.startsWith {
		field, prefix, ok := strings.Cut(s, "=")
		if !ok {
			return req, fmt.Errorf("--starts-with %q: write it FIELD=PREFIX, e.g. --starts-with key=uploads/", s)
		}
		req.StartsWith = append(req.StartsWith, presign.StartsWith{Field: strings.TrimSpace(field), Prefix: prefix})
	}
	return req, nil
}

// parseLengthRange reads MIN,MAX, each in bytes or with a unit.
func parseLengthRange(s string) (*presign.LengthRange, error) {
	lo, hi, ok := strings.Cut(s, ",")
	if ok {
		min, err1 := humanize.ParseBytes(strings.TrimSpace(lo))
		max, err2 := humanize.ParseBytes(strings.TrimSpace(hi))
		if err1 == nil && err2 == nil && min <= 1<<62 && max <= 1<<62 {
			return &presign.LengthRange{Min: int64(min), Max: int64(max)}, nil
		}
	}
	return nil, fmt.Errorf("--content-length-range %q: write it MIN,MAX in bytes or with a unit, e.g. 1,10MiB", s)
}

func runPresignPost(env Env, spec *cmdSpec, arg string, o *presignOpts) int {
	req, err := postRequest(arg, o)
	if err == nil {
		err = presign.CheckPostRequest(req)
	}
	if err != nil {
		return usageError(env, spec, "%v", err)
	}
	resolved, code, done := resolveSigner(env, spec, o)
	if done {
		return code
	}
	res, err := presign.SignPost(req, resolved, env.now())
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: signing: %v\n", presignCmdName, err)
		return presignFailed
	}
	if res.Warning != "" && o.strict {
		fmt.Fprint(env.Stderr, wrapParagraph(presignCmdName+": refused by --strict: "+res.Warning, presignMaxWidth))
		return presignRefused
	}
	switch {
	case o.json:
		enc := json.NewEncoder(env.Stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		err = enc.Encode(postJSONOf(res))
	case o.post.html:
		err = writePostHTML(env.Stdout, res)
	default:
		writePostText(env.Stdout, res)
		fmt.Fprintf(env.Stderr, "%s: POST these fields to the URL as multipart/form-data, then the file in a field named \"file\", last\n", presignCmdName)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", presignCmdName, err)
		return presignFailed
	}
	if res.Warning != "" {
		fmt.Fprint(env.Stderr, wrapParagraph(presignCmdName+": warning: "+res.Warning, presignMaxWidth))
	}
	return presignOK
}

// writePostText prints the URL on the first line, then one "name: value"
// line per field, in the order the form sends them.
func writePostText(w io.Writer, res *presign.PostResult) {
	fmt.Fprintln(w, res.URL)
	for _, f := range res.Fields {
		fmt.Fprintf(w, "%s: %s\n", f.Name, f.Value)
	}
}

// postJSON is presign --post --json: the form, then what presign --json
// says of a URL's life. Field order is part of the contract.
type postJSON struct {
	URL        string                 `json:"url"`
	Fields     presign.Fields         `json:"fields"`
	Bucket     string                 `json:"bucket"`
	Key        string                 `json:"key"`
	Conditions []postpolicy.Condition `json:"conditions"`
	Region     string                 `json:"region"`
	lifetimeJSON
}

func postJSONOf(r *presign.PostResult) postJSON {
	return postJSON{
		URL:          r.URL,
		Fields:       r.Fields,
		Bucket:       r.Request.Bucket,
		Key:          r.Fields.Get("key"),
		Conditions:   r.Policy.Conditions,
		Region:       r.Region,
		lifetimeJSON: lifetimeJSONOf(r.SignatureVersion, r.SignedAt, r.Request.ExpiresIn, r.Lifetime, r.Identity, r.Warning),
	}
}

// postPage is the --html upload page. html/template escapes every value
// (a policy, a key, a redirect URL) for where it stands.
var postPage = template.Must(template.New("post").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Upload to {{.Target}}</title>
</head>
<body>
<h1>Upload to {{.Target}}</h1>
<p>{{.Until}}</p>
<form action="{{.URL}}" method="post" enctype="multipart/form-data">
{{- range .Fields}}
{{- if .Editable}}
<p><label>{{.Name}} (starts with “{{.Value}}”) <input type="text" name="{{.Name}}" value="{{.Value}}"></label></p>
{{- else}}
<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{- end}}
{{- end}}
<p><input type="file" name="file" required></p>
<p><button type="submit">Upload</button></p>
</form>
</body>
</html>
`))

type postPageField struct {
	Name, Value string
	// Editable fields have a starts-with condition other than the key's:
	// the person completes them.
	Editable bool
}

func writePostHTML(w io.Writer, r *presign.PostResult) error {
	editable := map[string]bool{}
	for _, c := range r.Policy.Conditions {
		if c.Op == postpolicy.OpStartsWith && c.Field != "key" {
			editable[c.Field] = true
		}
	}
	var fields []postPageField
	for _, f := range r.Fields {
		fields = append(fields, postPageField{Name: f.Name, Value: f.Value, Editable: editable[strings.ToLower(f.Name)]})
	}
	until := "This form works until " + r.Lifetime.URLExpiry.UTC().Format(time.RFC3339) + "."
	switch {
	case !r.EffectiveKnown():
		until = "This form works until " + r.Lifetime.URLExpiry.UTC().Format(time.RFC3339) +
			" at most: the temporary credentials that signed it may end it sooner."
	case r.Lifetime.Effective.Before(r.Lifetime.URLExpiry):
		until = "This form works until " + r.Lifetime.Effective.UTC().Format(time.RFC3339) +
			", when the credentials that signed it expire."
	}
	return postPage.Execute(w, struct {
		Target, URL, Until string
		Fields             []postPageField
	}{Target: "s3://" + r.Request.Bucket + "/" + r.Fields.Get("key"), URL: r.URL, Until: until, Fields: fields})
}
