package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"

	"signet/internal/duration"
	"signet/internal/lifetime"
	"signet/internal/presign"
)

// Exit codes of `signet presign`, as its help states them.
const (
	presignOK      = 0
	presignFailed  = 1
	presignRefused = 3
)

const (
	presignCmdName  = "signet presign"
	presignMaxWidth = 100 // stderr paragraphs are wrapped to this width
)

// credentialsTimeout bounds finding credentials (an STS call, a
// credential_process, a metadata endpoint): the AWS CLI's read timeout.
const credentialsTimeout = 60 * time.Second

type presignOpts struct {
	aws         awsFlags
	expiresIn   string
	method      string
	contentType string
	createOnly  bool
	headers     headerFlags
	overrides   map[string]*overrideFlag
	sigv2       bool
	json        bool
	strict      bool
	uploadID    string
	partNumber  string
	uploads     bool
	post        postOpts
}

// headerFlags collects repeated --header 'Name: value' flags.
type headerFlags []string

func (h *headerFlags) String() string     { return strings.Join(*h, ", ") }
func (h *headerFlags) Set(v string) error { *h = append(*h, v); return nil }

// overrideFlag is a response-* value; set tells an empty value given
// (--response-content-encoding ”, still sent) from none.
type overrideFlag struct {
	v   string
	set bool
}

func (f *overrideFlag) String() string     { return f.v }
func (f *overrideFlag) Set(v string) error { f.v, f.set = v, true; return nil }

// presignSpec declares signet presign, its flags bound to o.
func presignSpec(o *presignOpts) *cmdSpec {
	o.expiresIn = "3600" // --method's default, GET, is set in presignRequest, so that --post can tell it was given
	flags := []flagSpec{
		{name: "expires-in", arg: "DURATION", value: (*textFlag)(&o.expiresIn),
			help: "how long the URL lives: seconds (3600) or a duration (15m, 12h,\n6d23h); default 3600; at most 604800 (7d) with SigV4"},
		{name: "method", arg: "METHOD", value: (*textFlag)(&o.method), choices: presign.Methods,
			help: "GET (default), PUT, HEAD or DELETE; POST for a multipart upload\n(--uploads or --upload-id)"},
		{name: "content-type", arg: "TYPE", value: (*textFlag)(&o.contentType),
			help: "sign the Content-Type of a PUT; the upload must send exactly it\n(with --post: the one Content-Type the form may send)"},
		{name: "create-only", value: (*switchFlag)(&o.createOnly),
			help: "sign If-None-Match: * on a PUT: the upload fails (412) when the\nkey exists, so the URL can create the object but never overwrite it"},
		{name: "header", arg: "'NAME: VALUE'", value: &o.headers,
			help: "sign another header the request must send (repeatable)"},
		{name: "upload-id", arg: "ID", value: (*textFlag)(&o.uploadID),
			help: "a multipart upload: with --method PUT and --part-number, upload\none part (UploadPart); --method POST completes the upload,\nDELETE aborts it, GET lists its parts"},
		{name: "part-number", arg: "N", value: (*textFlag)(&o.partNumber),
			help: "the part --upload-id's URL uploads, 1 to 10000"},
		{name: "uploads", value: (*switchFlag)(&o.uploads),
			help: "with --method POST: start a multipart upload\n(CreateMultipartUpload); its answer holds the upload ID"},
	}
	flags = append(flags, postFlags(&o.post)...)
	o.overrides = map[string]*overrideFlag{}
	for _, name := range presign.ResponseOverrides {
		o.overrides[name] = &overrideFlag{}
		flags = append(flags, flagSpec{name: name, arg: "VALUE", value: o.overrides[name], group: "response",
			help: "have a GET or HEAD answer with that response header (signed)"})
	}
	flags = append(flags, []flagSpec{
		{name: "endpoint-url", arg: "URL", value: (*textFlag)(&o.aws.endpointURL),
			help: "the S3 endpoint, e.g. a signet server; the URL is path style\n(else AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or the profile's\nendpoint_url; else AWS S3 itself)"},
		{name: "region", arg: "REGION", value: (*textFlag)(&o.aws.region),
			help: "region to sign for (else AWS_REGION, the profile's, or us-east-1)"},
		{name: "profile", arg: "NAME", value: (*textFlag)(&o.aws.profile),
			help: "shared config profile (else AWS_PROFILE, or default)"},
		{name: "sigv2", value: (*switchFlag)(&o.sigv2),
			help: "sign with legacy Signature Version 2, for old clients; SigV2\nURLs are not held to 7 days"},
		{name: "json", value: (*switchFlag)(&o.json),
			help: "print one JSON object instead of the URL: url, method, bucket,\nkey, upload_id, part_number and uploads (multipart only), region,\nrequired_headers, signature_version, signed_at,\nexpires_in_seconds, expires_at, effective_expires_at,\nlimited_by (url, credentials or unknown), credential_source,\nprofile, access_key_id, credential_kind (long-term or\ntemporary), credentials_expire_at, warning; with --post: url,\nfields, bucket, key, conditions, then the same from region on"},
		{name: "strict", value: (*switchFlag)(&o.strict),
			help: "refuse, printing no URL, when it would die before its expiry\nor may (temporary credentials whose expiry is unknown); the\nsame for a --post form's policy"},
	}...)
	return &cmdSpec{
		path:  "presign",
		usage: "s3://BUCKET/KEY [flags]",
		about: presignAbout,
		flags: flags, column: 25,
		examples: []string{
			"# A day-long link to an object on a signet server",
			"signet presign s3://photos/yawning-cat.jpg --expires-in 1d --endpoint-url http://127.0.0.1:9000",
			"",
			"# A week-long link, refused if the profile's role session would end it sooner",
			"signet presign s3://photos/yawning-cat.jpg --expires-in 7d --profile reader --strict",
			"",
			"# An upload link, and the upload",
			"URL=$(signet presign s3://uploads/report.pdf --method PUT --content-type application/pdf --expires-in 15m)",
			"curl -X PUT -H 'Content-Type: application/pdf' --upload-file report.pdf \"$URL\"",
			"",
			"# One part of a multipart upload, and its upload (the ETag goes to CompleteMultipartUpload)",
			"URL=$(signet presign s3://uploads/disk.iso --method PUT --upload-id \"$UPLOAD_ID\" --part-number 1)",
			"curl -s -o /dev/null -D - --upload-file part1 \"$URL\" | grep -i etag",
			"",
			"# A download that saves under another name",
			"signet presign s3://photos/yawning-cat.jpg --response-content-disposition 'attachment; filename=\"cat.jpg\"'",
			"",
			"# A month-long link for a legacy client that only speaks SigV2",
			"signet presign s3://archive/2026.tar --sigv2 --expires-in 30d",
			"",
			"# A browser upload form for any key under uploads/, up to 10 MiB, as a page",
			"signet presign --post s3://uploads/incoming/ --content-length-range 1,10MiB --html > upload.html",
			"",
			"# When does it really stop working?",
			"signet presign s3://photos/yawning-cat.jpg --expires-in 7d --json | jq -r '.effective_expires_at, .limited_by'",
		},
		footer: presignExitCodes,
		args: func(pos []string) error {
			if len(pos) != 1 {
				return fmt.Errorf("want one object path, s3://BUCKET/KEY; got %d argument(s)", len(pos))
			}
			return nil
		},
	}
}

func runPresign(env Env) int {
	var o presignOpts
	spec := presignSpec(&o)
	pos, code, done := parseCommand(env, spec)
	if done {
		return code
	}
	usageErr := func(format string, a ...any) int { return usageError(env, spec, format, a...) }
	if o.post.post {
		return runPresignPost(env, spec, pos[0], &o)
	}
	if err := refusePostOnly(&o); err != nil {
		return usageErr("%v", err)
	}
	req, err := presignRequest(pos[0], &o)
	if err != nil {
		return usageErr("%v", err)
	}
	if err := presign.CheckRequest(req); err != nil {
		return usageErr("%v", err)
	}

	resolved, code, done := resolveSigner(env, spec, &o)
	if done {
		return code
	}
	res, err := presign.Sign(req, resolved, env.now())
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: signing: %v\n", presignCmdName, err)
		return presignFailed
	}

	if res.Warning != "" && o.strict {
		fmt.Fprint(env.Stderr, wrapParagraph(presignCmdName+": refused by --strict: "+res.Warning, presignMaxWidth))
		return presignRefused
	}
	if o.json {
		enc := json.NewEncoder(env.Stdout)
		enc.SetEscapeHTML(false) // the URL's & and the warning's quotes print as they are
		enc.SetIndent("", "  ")
		if err := enc.Encode(presignJSONOf(res)); err != nil {
			fmt.Fprintf(env.Stderr, "%s: %v\n", presignCmdName, err)
			return presignFailed
		}
	} else {
		fmt.Fprintln(env.Stdout, res.URL)
	}
	if len(req.Header) > 0 {
		fmt.Fprintf(env.Stderr, "%s: the request must send these signed headers, exactly: %s\n", presignCmdName, headerList(req.Header))
	}
	if res.Warning != "" {
		fmt.Fprint(env.Stderr, wrapParagraph(presignCmdName+": warning: "+res.Warning, presignMaxWidth))
	}
	return presignOK
}

// resolveSigner finds the endpoint, region and credentials to sign with.
// When done is true it failed, said why, and code is the exit status.
func resolveSigner(env Env, spec *cmdSpec, o *presignOpts) (r *presign.Resolved, code int, done bool) {
	ctx, cancel := context.WithTimeout(env.Ctx, credentialsTimeout)
	defer cancel()
	resolved, err := presign.Resolve(ctx, presign.Where{EndpointURL: o.aws.endpointURL, Profile: o.aws.profile, Region: o.aws.region, MFACode: env.mfaCode, Now: env.now})
	var ce *presign.ConfigError
	var cre *presign.CredentialsError
	switch {
	case errors.As(err, &ce):
		return nil, usageError(env, spec, "%v", err), true
	case errors.As(err, &cre):
		fmt.Fprintf(env.Stderr, "%s: %s\n", presignCmdName, cre.Msg)
		if cre.Hint != "" {
			fmt.Fprintln(env.Stderr, cre.Hint)
		}
		return nil, presignFailed, true
	case err != nil:
		fmt.Fprintf(env.Stderr, "%s: %v\n", presignCmdName, err)
		return nil, presignFailed, true
	}
	return resolved, 0, false
}

// presignRequest turns the argument and flags into a request, refusing
// what cannot be parsed. CheckRequest judges the rest.
func presignRequest(arg string, o *presignOpts) (presign.Request, error) {
	var req presign.Request
	var err error
	if req.Bucket, req.Key, err = presign.ParseS3URI(arg); err != nil {
		return req, err
	}
	req.Method = strings.ToUpper(o.method)
	if req.Method == "" {
		req.Method = http.MethodGet
	}
	req.SigV2 = o.sigv2
	if req.ExpiresIn, err = duration.Parse(o.expiresIn); err != nil {
		return req, fmt.Errorf("--expires-in: %v", err)
	}
	req.UploadID, req.Uploads = o.uploadID, o.uploads
	if o.partNumber != "" {
		if req.PartNumber, err = presign.ParsePartNumber(o.partNumber); err != nil {
			return req, err
		}
	}
	req.Header = http.Header{}
	if o.contentType != "" {
		if req.Method != http.MethodPut {
			return req, fmt.Errorf("--content-type signs the Content-Type of an upload: it goes with --method PUT")
		}
		req.Header.Set("Content-Type", o.contentType)
	}
	if o.createOnly {
		if req.Method != http.MethodPut || req.UploadID != "" {
			return req, fmt.Errorf("--create-only makes an upload conditional: it goes with --method PUT, without --upload-id")
		}
		req.Header.Set("If-None-Match", "*")
	}
	for _, h := range o.headers {
		name, value, ok := strings.Cut(h, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || !httpguts.ValidHeaderFieldName(name) {
			return req, fmt.Errorf("--header %q: write it 'Name: value', e.g. --header 'x-amz-meta-owner: alice'", h)
		}
		if len(req.Header.Values(name)) > 0 {
			return req, fmt.Errorf("--header %s: given twice (or with --content-type or --create-only); sign each header once", name)
		}
		req.Header.Set(name, value)
	}
	// Only flags given on the command line count, so that an empty value
	// (--response-content-encoding '') is still sent.
	for name, f := range o.overrides {
		if f.set {
			if req.Overrides == nil {
				req.Overrides = map[string]string{}
			}
			req.Overrides[name] = f.v
		}
	}
	return req, nil
}

func headerList(h http.Header) string {
	var parts []string
	for _, name := range sortedHeaderNames(h) {
		parts = append(parts, name+": "+h.Get(name))
	}
	return strings.Join(parts, ", ")
}

func sortedHeaderNames(h http.Header) []string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// presignJSON is the --json output. Field order is part of the contract.
type presignJSON struct {
	URL             string            `json:"url"`
	Method          string            `json:"method"`
	Bucket          string            `json:"bucket"`
	Key             string            `json:"key"`
	UploadID        string            `json:"upload_id,omitempty"`
	PartNumber      int               `json:"part_number,omitempty"`
	Uploads         bool              `json:"uploads,omitempty"`
	Region          string            `json:"region"`
	RequiredHeaders map[string]string `json:"required_headers"`
	lifetimeJSON
}

func presignJSONOf(r *presign.Result) presignJSON {
	headers := map[string]string{}
	for name := range r.Request.Header {
		headers[name] = r.Request.Header.Get(name)
	}
	return presignJSON{
		URL:             r.URL,
		Method:          r.Request.Method,
		Bucket:          r.Request.Bucket,
		Key:             r.Request.Key,
		UploadID:        r.Request.UploadID,
		PartNumber:      r.Request.PartNumber,
		Uploads:         r.Request.Uploads,
		Region:          r.Region,
		RequiredHeaders: headers,
		lifetimeJSON:    lifetimeJSONOf(r.SignatureVersion, r.SignedAt, r.Request.ExpiresIn, r.Lifetime, r.Identity, r.Warning),
	}
}

// lifetimeJSON are the fields presign --json and presign --post --json
// share: how the URL or form was signed, how long it lives and why, and
// with whose credentials.
type lifetimeJSON struct {
	SignatureVersion    string  `json:"signature_version"`
	SignedAt            string  `json:"signed_at"`
	ExpiresInSeconds    int64   `json:"expires_in_seconds"`
	ExpiresAt           string  `json:"expires_at"`
	EffectiveExpiresAt  *string `json:"effective_expires_at"`
	LimitedBy           string  `json:"limited_by"`
	CredentialSource    string  `json:"credential_source"`
	Profile             *string `json:"profile"`
	AccessKeyID         string  `json:"access_key_id"`
	CredentialKind      string  `json:"credential_kind"`
	CredentialsExpireAt *string `json:"credentials_expire_at"`
	Warning             *string `json:"warning"`
}

func lifetimeJSONOf(version string, signedAt time.Time, expiresIn time.Duration, lt lifetime.Lifetime, id presign.Identity, warning string) lifetimeJSON {
	stamp := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	out := lifetimeJSON{
		SignatureVersion: version,
		SignedAt:         stamp(signedAt),
		ExpiresInSeconds: int64(expiresIn / time.Second),
		ExpiresAt:        stamp(lt.URLExpiry),
		LimitedBy:        string(lt.LimitedBy),
		CredentialSource: id.Source,
		Profile:          opt(id.Profile),
		AccessKeyID:      id.AccessKeyID,
		CredentialKind:   id.Kind(),
		Warning:          opt(warning),
	}
	if id.ExpiryUnknown() {
		out.LimitedBy = "unknown"
	} else {
		out.EffectiveExpiresAt = opt(stamp(lt.Effective))
	}
	if !id.Expires.IsZero() {
		out.CredentialsExpireAt = opt(stamp(id.ExpiresHere()))
	}
	return out
}

// wrapParagraph breaks s into lines of at most width columns at spaces
// (a longer word gets a line of its own), ending with a newline.
func wrapParagraph(s string, width int) string {
	var b strings.Builder
	col := 0
	for _, w := range strings.Fields(s) {
		n := len([]rune(w))
		switch {
		case col == 0:
		case col+1+n > width:
			b.WriteByte('\n')
			col = 0
		default:
			b.WriteByte(' ')
			col++
		}
		b.WriteString(w)
		col += n
	}
	b.WriteByte('\n')
	return b.String()
}

const presignAbout = `Print a presigned URL for one object on stdout, signed with the credentials the AWS CLI
would use, and warn on stderr when those credentials expire before the URL would: a
presigned URL dies with the credentials that signed it, whatever its expiry says.

Credentials are found as the AWS CLI finds them: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
and AWS_SESSION_TOKEN; the shared credentials and config files (~/.aws/credentials and
~/.aws/config, or AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE) and their profiles;
role_arn with source_profile or credential_source (the role is assumed at the URL's
endpoint, or at AWS_ENDPOINT_URL_STS); credential_process; SSO; the container credentials
endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI); and instance metadata
(AWS_EC2_METADATA_SERVICE_ENDPOINT; AWS_EC2_METADATA_DISABLED=true skips it).

With --post it prints a browser upload form instead: the bucket's URL, then the form's fields
(a signed POST policy, as boto3's generate_presigned_post makes it), or the whole page with
--html. A policy dies with its credentials as a URL does, and is warned of the same way; it has
no 7-day cap (AWS sets none on a policy's expiration).`

const presignExitCodes = `Exit codes:
  0  the URL (or --post form) was printed (a warning may have gone to stderr)
  1  no credentials, or their source failed (STS refused the role, credential_process failed)
  2  usage error: a bad flag, argument or configuration, or --expires-in over 7 days
  3  refused by --strict: the URL would die before its expiry, or may`
