package cli

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/net/http/httpguts"

	"signet/internal/adminclient"
	"signet/internal/adminwire"
	"signet/internal/inspect"
	"signet/internal/presign"
)

// Exit codes of signet inspect.
const (
	inspectValid    = 0 // the URL works now
	inspectCannot   = 1 // not judged: not a presigned URL, or the server asked did not answer
	inspectNotValid = 3 // it does not work; the reason was printed
)

// explainAction is what an identity policy must allow for POST …/explain.
const explainAction = "signet:ExplainURL"

// headerFlag collects repeated --header 'Name: value' flags.
type headerFlag struct{ h http.Header }

func (f *headerFlag) String() string { return "" }

func (f *headerFlag) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	name = strings.TrimSpace(name)
	if !ok || !httpguts.ValidHeaderFieldName(name) {
		return fmt.Errorf("want 'Name: value', e.g. --header 'Content-Type: image/png'")
	}
	if f.h == nil {
		f.h = http.Header{}
	}
	f.h.Add(name, strings.TrimSpace(value))
	return nil
}

type inspectOpts struct {
	aws     awsFlags
	json    bool
	offline bool
	method  string
	headers headerFlag
	post    inspectPostOpts
}

// inspectSpec declares signet inspect, its flags bound to o.
func inspectSpec(o *inspectOpts) *cmdSpec {
	o.method = http.MethodGet
	return &cmdSpec{
		path:  "inspect",
		usage: "[flags] URL",
		about: inspectAbout,
		flags: append([]flagSpec{
			{name: "method", arg: "METHOD", value: (*textFlag)(&o.method), choices: presign.Methods,
				help: "the HTTP method the URL is used with (default GET)"},
			{name: "header", arg: "'N: v'", value: &o.headers,
				help: "a header the request sends; repeat for more. Give\n'Host: h' when a proxy changes the Host on the way"},
			{name: "offline", value: (*switchFlag)(&o.offline),
				help: "judge from the URL alone; never ask a server"},
			{name: "json", value: (*switchFlag)(&o.json),
				help: "one JSON object: verdict, reason, message, source,\nnow, expires_at, effective_expires_at, limited_by,\nprincipal, the URL's parts and the server's answer"},
			{name: "endpoint-url", arg: "URL", value: (*textFlag)(&o.aws.endpointURL),
				help: "the signet server to ask (else AWS_ENDPOINT_URL, or the\nprofile's endpoint_url; with none, judge offline)"},
			{name: "profile", arg: "NAME", value: (*textFlag)(&o.aws.profile),
				help: "shared config and credentials profile (else AWS_PROFILE)"},
			{name: "region", arg: "REGION", value: (*textFlag)(&o.aws.region),
				help: "region to sign the admin call for (any; default us-east-1)"},
		}, inspectPostFlags(&o.post)...),
		column: 21,
		examples: []string{
			"signet inspect 'https://photos.s3.us-east-1.amazonaws.com/cat.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=…'",
			"signet inspect --json --offline \"$URL\" | jq -r .effective_expires_at",
			"signet inspect --endpoint-url http://localhost:9000 \"$URL\"",
			"signet inspect --profile signet-admin --method PUT --header 'Content-Type: image/png' \"$URL\"",
			"signet inspect --endpoint-url http://files.internal:9000 --header 'Host: files.internal:9000' \"$URL\"",
			"signet presign --post s3://uploads/incoming/ --json | signet inspect --post-json -",
			"signet inspect --field key=incoming/cat.jpg --field policy=eyJ… --field … http://127.0.0.1:9000/uploads",
		},
		footer: `Quote the URL in single quotes: an unquoted & ends the shell command.

Exit status: 0 the URL is valid now; 3 it is not (the reason was printed);
1 it could not be judged (not a presigned URL, or the server was asked and
did not answer); 2 usage error.`,
		args: func(pos []string) error {
			switch {
			case o.post.given():
				return nil // postForm judges the arguments of a POST form
			case len(pos) == 0:
				return errors.New("missing the presigned URL to inspect (quote it in single quotes: an unquoted & ends the shell command)")
			case len(pos) > 1:
				return fmt.Errorf("want one presigned URL, got %d arguments (quote the URL in single quotes: an unquoted & splits it)", len(pos))
			}
			return nil
		},
	}
}

func runInspect(env Env) int {
	const name = "signet inspect"
	var o inspectOpts
	spec := inspectSpec(&o)
	pos, code, done := parseCommand(env, spec)
	if done {
		return code
	}
	usageErr := func(format string, a ...any) int { return usageError(env, spec, format, a...) }
	if o.offline && (o.aws.endpointURL != "" || o.aws.profile != "") {
		return usageErr("--offline asks no server: drop --endpoint-url and --profile, or --offline")
	}
	if o.post.given() {
		if o.method != http.MethodGet || o.headers.h != nil {
			return usageErr("--method and --header describe a URL's request; a POST form is always a POST of its fields")
		}
		return runInspectPost(env, spec, o, pos)
	}
	method := strings.ToUpper(o.method)
	if !httpguts.ValidHeaderFieldName(method) {
		return usageErr("--method %q is not an HTTP method: use GET, PUT, HEAD, DELETE or POST", o.method)
	}

	rep := inspect.New(pos[0], env.now(), method, o.headers.h)
	failed, hint := false, ""
	if !o.offline && rep.Judgeable() {
		failed, hint = askServer(env, o, pos[0], rep)
	}
	if err := writeInspect(env, o, rep); err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", name, err)
		return inspectCannot
	}
	if failed {
		fmt.Fprintf(env.Stderr, "%s: the server's explanation is missing: %s\n", name, rep.ServerError)
		if hint != "" {
			fmt.Fprintln(env.Stderr, hint)
		}
		fmt.Fprintln(env.Stderr, "The report above was judged offline, from the URL alone; run with --offline to skip the server.")
		return inspectCannot
	}
	return inspectExit(rep)
}

// askServer asks the endpoint the AWS settings name to explain the URL and
// puts the answer, or why there is none, in rep. With no endpoint at all
// nothing is asked and nothing failed: the report stays offline.
func askServer(env Env, o inspectOpts, raw string, rep *inspect.Report) (failed bool, hint string) {
	s, err := loadAWSSettings(env.Ctx, o.aws, env.mfaCode)
	if err != nil {
		if isNoEndpoint(err) {
			return false, ""
		}
		rep.ServerError = err.Error()
		return true, "fix the AWS configuration (--profile, AWS_PROFILE, ~/.aws/config), or run with --offline"
	}
	if why := inspect.NotForEndpoint(rep.URL, rep.Header, s.Endpoint); why != "" {
		rep.ServerError = why // and no ServerEndpoint: not asked, judged offline
		return false, ""
	}
	rep.ServerEndpoint = s.Endpoint.Redacted()
	client := &adminclient.Client{
		Endpoint:    s.Endpoint,
		Region:      s.Region,
		Credentials: sdkCredentials{s.Credentials},
		HTTP:        s.HTTP,
		UserAgent:   "signet/" + Version,
		// Signed at the CLI's clock, as signet admin's calls are.
		Now: env.Now,
	}
	exp, err := client.Explain(env.Ctx, adminwire.ExplainRequest{URL: raw, Method: rep.Method, Headers: rep.Header})
	if err == nil && exp.Verdict != adminwire.VerdictValid && exp.Verdict != adminwire.VerdictInvalid {
		err = fmt.Errorf("the server's explanation has no verdict (got %q): is it a signet version with POST %sexplain?", exp.Verdict, adminwire.PathPrefix)
	}
	if err != nil {
		rep.ServerError = err.Error()
		return true, adminHint(err, &adminCmd{action: explainAction}, nil, s.Endpoint)
	}
	rep.Server = exp
	return false, ""
}

// isNoEndpoint reports whether loadAWSSettings failed only because no
// endpoint is configured, which for inspect means "judge offline".
// loadAWSSettings has no sentinel for it, so its message is matched.
func isNoEndpoint(err error) bool {
	return strings.HasPrefix(err.Error(), "no endpoint")
}

// inspectExit maps a report's verdict to the exit status.
func inspectExit(rep *inspect.Report) int {
	switch {
	case rep.Reason() == adminwire.ReasonMalformed:
		return inspectCannot
	case rep.Verdict() == adminwire.VerdictValid:
		return inspectValid
	}
	return inspectNotValid
}

func writeInspect(env Env, o inspectOpts, rep *inspect.Report) error {
	if o.json {
		return rep.WriteJSON(env.Stdout)
	}
	return rep.WriteText(env.Stdout)
}

const inspectAbout = `Takes a presigned URL apart (SigV4 or SigV2, made by signet or by AWS, path
style or virtual-hosted), one line per part with what it means, and judges
its window now: valid for how long, expired since when, not yet valid, or
over S3's 7-day cap.

With an endpoint (--endpoint-url, AWS_ENDPOINT_URL or the profile's
endpoint_url) the signet server explains the URL too, without serving it:
which identity signed it, that credential's state and expiry, the real
expiry and what limits it, and the exact reason the URL works or fails.
For a signature mismatch it prints the server's canonical request beside
the one rebuilt here from the URL, --method and --header, and marks the
first line that differs. The call is signed like the AWS CLI's, with the
root's credentials or an identity allowed signet:ExplainURL on "*".
Without an endpoint, or with --offline, nothing leaves this machine.

With --post-json (the JSON of signet presign --post --json) or --field (a form's
fields, with its action URL as argument) it explains a browser POST form
instead: the decoded policy's expiration and conditions, the signer, the
fields no condition covers, and the effective end. For a form signed by a
session, the server is asked about that session (signet:GetSession).

Session tokens are never printed: they show as REDACTED(sha256:…).`
