package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"signet/internal/adminclient"
	"signet/internal/adminwire"
	"signet/internal/inspect"
	"signet/internal/lifetime"
	"signet/internal/postpolicy"
	"signet/internal/presign"
	"signet/internal/reason"
	"signet/internal/redact"
)

// inspectPostOpts are the flags with which signet inspect explains a
// browser POST form instead of a URL.
type inspectPostOpts struct {
	jsonFile string   // --post-json: presign --post --json's output, a file or "-"
	fields   listFlag // --field NAME=VALUE, with the form's URL as argument
}

func (o *inspectPostOpts) given() bool { return o.jsonFile != "" || len(o.fields) > 0 }

func inspectPostFlags(o *inspectPostOpts) []flagSpec {
	return []flagSpec{
		{name: "post-json", arg: "FILE", value: (*textFlag)(&o.jsonFile), file: true,
			help: "explain a browser POST form: the JSON `signet presign --post\n--json` printed (- reads stdin); no URL argument"},
		{name: "field", arg: "NAME=VALUE", value: &o.fields,
			help: "explain a POST form from its fields, copied from a page\n(repeatable), with the form's action URL as argument"},
	}
}

// postForm reads the form the flags give: the JSON file, or the URL
// argument and --field flags.
func postForm(env Env, o *inspectPostOpts, pos []string) (string, presign.Fields, error) {
	if o.jsonFile != "" {
		if len(o.fields) > 0 || len(pos) > 0 {
			return "", nil, errors.New("--post-json holds the URL and the fields: give no URL argument or --field with it")
		}
		return readPostJSON(env, o.jsonFile)
	}
	if len(pos) != 1 {
		return "", nil, errors.New("--field explains a POST form: give the form's action URL as the one argument")
	}
	var fields presign.Fields
	for _, f := range o.fields {
		name, value, ok := strings.Cut(f, "=")
		if !ok || name == "" {
			return "", nil, fmt.Errorf("--field %q: write it NAME=VALUE, e.g. --field key=uploads/cat.jpg", f)
		}
		fields = append(fields, presign.Field{Name: name, Value: value})
	}
	return pos[0], fields, nil
}

func readPostJSON(env Env, name string) (string, presign.Fields, error) {
	var raw []byte
	var err error
	if name == "-" {
		if env.Stdin == nil {
			return "", nil, errors.New("--post-json -: nothing on stdin")
		}
		raw, err = io.ReadAll(io.LimitReader(env.Stdin, 1<<20))
	} else {
		raw, err = os.ReadFile(name)
	}
	if err != nil {
		return "", nil, fmt.Errorf("--post-json: %v", err)
	}
	var doc struct {
		URL    string         `json:"url"`
		Fields presign.Fields `json:"fields"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil || doc.URL == "" || len(doc.Fields) == 0 {
		return "", nil, fmt.Errorf("--post-json %s: want the JSON of signet presign --post --json, {\"url\": …, \"fields\": {…}}", name)
	}
	return doc.URL, doc.Fields, nil
}

// postReport is inspect's account of a POST form.
type postReport struct {
	form *presign.Form
	now  time.Time
	// server is the server's explanation of the form, when asked.
	server      *adminwire.Explanation
	serverError string // why the server did not answer
	serverAsked string // the endpoint asked
	lt          lifetime.Lifetime
}

// verdict and reason: the server's when it was asked, else judged here
// from the form alone with the same checks (postpolicy.Check) and the
// same sentences (package reason). session_expired then cannot be told:
// the form does not say when its session ends.
func (r *postReport) verdict() (verdict, code, message string) {
	if e := r.server; e != nil {
		return e.Verdict, e.Reason, e.Message
	}
	f := reason.Facts{Now: r.now, URLExpiry: r.form.Policy.Expiration, Effective: r.lt.Effective}
	switch {
	case r.form.Refusal != nil:
		f.Status, f.Code, f.Detail = http.StatusForbidden, "AccessDenied", postpolicy.Refusal(r.form.Refusal)
		return "invalid", reason.PolicyConditionFailed, reason.Say(reason.PolicyConditionRefuse, f)
	case !r.now.Before(r.lt.Effective):
		f.Status, f.Code, f.Detail = http.StatusForbidden, "AccessDenied", postpolicy.ExpiredMessage
		return "invalid", reason.PolicyExpired, reason.Say(reason.PolicyExpiredAt, f)
	case r.form.Temporary():
		return "valid", reason.Valid, reason.Say(reason.ValidFormOfflineSes, f)
	}
	return "valid", reason.Valid, reason.Say(reason.ValidFormOffline, f)
}

func stampUTC(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// runInspectPost explains a POST form: the server judges it when an
// endpoint is set, as it judges a URL; offline, this machine does, from the
// form alone.
func runInspectPost(env Env, spec *cmdSpec, o inspectOpts, pos []string) int {
	const name = "signet inspect"
	rawURL, fields, err := postForm(env, &o.post, pos)
	if err != nil {
		return usageError(env, spec, "%v", err)
	}
	form, err := presign.ParseForm(rawURL, fields)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", name, err)
		return inspectCannot
	}
	r := &postReport{form: form, now: env.now()}
	r.lt = lifetime.Compute(lifetime.Input{URLExpiry: form.Policy.Expiration})
	failed, hint := false, ""
	if !o.offline {
		failed, hint = askServerAboutForm(env, o, r)
	}
	if o.json {
		err = r.writeJSON(env.Stdout)
	} else {
		err = r.writeText(env.Stdout)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", name, err)
		return inspectCannot
	}
	if failed {
		fmt.Fprintf(env.Stderr, "%s: the server's explanation is missing: %s\n", name, r.serverError)
		if hint != "" {
			fmt.Fprintln(env.Stderr, hint)
		}
		fmt.Fprintln(env.Stderr, "The report above was judged offline, from the form alone; run with --offline to skip the server.")
		return inspectCannot
	}
	verdict, code, _ := r.verdict()
	switch {
	case code == reason.Malformed:
		return inspectCannot
	case verdict == "valid":
		return inspectValid
	}
	return inspectNotValid
}

// askServerAboutForm asks the endpoint to explain the form, as inspect
// asks it about a URL: the server runs the POST handler's checks on the
// fields (without a file) and says who signed, until when, and why not.
func askServerAboutForm(env Env, o inspectOpts, r *postReport) (failed bool, hint string) {
	s, err := loadAWSSettings(env.Ctx, o.aws, env.mfaCode)
	if err != nil {
		if isNoEndpoint(err) {
			return false, ""
		}
		r.serverError = err.Error()
		return true, "fix the AWS configuration (--profile, AWS_PROFILE, ~/.aws/config), or run with --offline"
	}
	r.serverAsked = s.Endpoint.Redacted()
	client := &adminclient.Client{Endpoint: s.Endpoint, Region: s.Region, Credentials: sdkCredentials{s.Credentials},
		HTTP: s.HTTP, UserAgent: "signet/" + Version, Now: env.Now}
	in := adminwire.ExplainRequest{URL: r.form.URL, Method: http.MethodPost}
	for _, f := range r.form.Fields {
		in.Form = append(in.Form, adminwire.FormField{Name: f.Name, Value: f.Value})
	}
	exp, err := client.Explain(env.Ctx, in)
	if err == nil && exp.Verdict != adminwire.VerdictValid && exp.Verdict != adminwire.VerdictInvalid {
		err = fmt.Errorf("the server's explanation has no verdict (got %q): is it a signet version that explains POST forms?", exp.Verdict)
	}
	if err != nil {
		r.serverError = err.Error()
		return true, adminHint(err, &adminCmd{action: explainAction}, nil, s.Endpoint)
	}
	r.server = exp
	return false, ""
}

// redacted hides the session token wherever a line would show it.
func (r *postReport) redacted(s string) string {
	if r.form.Token == "" {
		return s
	}
	return strings.ReplaceAll(s, r.form.Token, redact.Token(r.form.Token))
}

func (r *postReport) writeText(w io.Writer) error {
	b := bufio.NewWriter(w)
	line := func(label, value string) { fmt.Fprintf(b, "%-16s%s\n", label, r.redacted(value)) }
	f := r.form
	line("form", "POST "+f.URL+" (multipart/form-data, the file last in a field named file)")
	if f.SigV2 {
		line("algorithm", "AWS (SigV2): AWSAccessKeyId and signature fields, base64(HMAC-SHA1) of the policy")
	} else {
		line("algorithm", "AWS4-HMAC-SHA256 (SigV4)")
	}
	kind := "long-term: it does not expire, but deactivating or deleting it ends every form it signed"
	if f.Temporary() {
		kind = "temporary (with a session token): every form it signs dies when the session ends"
	}
	line("access key ID", f.AccessKeyID+": "+kind)
	if !f.SigV2 {
		line("scope", f.Scope.Date+"/"+f.Scope.Region+"/"+f.Scope.Service+": signed for region "+f.Scope.Region+", service "+f.Scope.Service)
		line("signed at", stampUTC(f.SignedAt)+" (x-amz-date "+f.Fields.Get("x-amz-date")+")")
	}
	line("expiration", stampUTC(f.Policy.Expiration)+": the policy's own end")
	for i, c := range f.Policy.Conditions {
		label := ""
		if i == 0 {
			label = "conditions"
		}
		doc, _ := c.MarshalJSON() // a condition always encodes
		line(label, string(doc))
	}
	for i, fl := range f.Fields {
		label := ""
		if i == 0 {
			label = "fields"
		}
		value := fl.Value
		if strings.EqualFold(fl.Name, "policy") || strings.EqualFold(fl.Name, "x-amz-signature") || strings.EqualFold(fl.Name, "signature") {
			value = shortened(value)
		}
		line(label, fl.Name+": "+value)
	}
	if f.Refusal != nil {
		line("problem", r.problem())
	}
	fmt.Fprintln(b)
	switch e := r.server; {
	case e != nil:
		r.writeServer(line, e)
	case r.serverError != "":
		line("server", "no answer from "+r.serverAsked+": "+r.serverError)
	case f.Temporary():
		line("server", "not asked: the form dies when its session ends, and the form does not say when; pass --endpoint-url with admin credentials to ask the server")
	default:
		line("server", "not asked: judged here from the form alone; pass --endpoint-url with admin credentials to have the server judge it")
	}
	if r.server == nil && !f.Temporary() {
		line("effective end", stampUTC(r.lt.Effective)+", its policy expires")
	}
	fmt.Fprintln(b)
	verdict, code, message := r.verdict()
	if code == verdict {
		line("verdict", verdict+": "+message)
	} else {
		line("verdict", verdict+", "+code+": "+message)
	}
	return b.Flush()
}

// writeServer prints the server's explanation of the form, in the words
// inspect uses for a URL's.
func (r *postReport) writeServer(line func(label, value string), e *adminwire.Explanation) {
	line("server", fmt.Sprintf("%s, judged at %s by its lifetime clock", r.serverAsked, stampUTC(e.Now)))
	if e.Principal != nil {
		line("signed by", inspect.PrincipalPhrase(e.Principal))
	}
	if e.Credential != nil {
		line("credential", inspect.CredentialPhrase(e.Credential, e.Now))
	}
	if e.EffectiveExpiresAt != nil {
		end := "its policy expires"
		if e.LimitedBy == string(lifetime.LimitCredentials) {
			end = "the credentials that signed it end"
		}
		line("effective end", stampUTC(*e.EffectiveExpiresAt)+", "+end)
	}
	if e.Action != "" {
		line("request", e.Action+" on "+e.Resource)
	}
	if e.Statement != nil {
		line("statement", fmt.Sprintf("%s (effect %s)", inspect.StatementPhrase(e.Statement), e.Statement.Effect))
	}
	if e.Error != nil {
		line("error", fmt.Sprintf("%d %s: %s", e.Error.Status, e.Error.Code, e.Error.Message))
	}
}

// problem is what the server answers a form its policy refuses, in the
// server's own words (postpolicy.Refusal).
func (r *postReport) problem() string {
	return "S3 refuses the form with 403 AccessDenied: " + postpolicy.Refusal(r.form.Refusal)
}

// shortened shows a long value's start and end.
func shortened(s string) string {
	if len(s) <= 24 {
		return s
	}
	return fmt.Sprintf("%s…%s (%d characters)", s[:8], s[len(s)-8:], len(s))
}

// postInspectJSON is inspect --json for a POST form.
type postInspectJSON struct {
	Verdict            string                 `json:"verdict"`
	Reason             string                 `json:"reason"`
	Message            string                 `json:"message"`
	Now                time.Time              `json:"now"`
	URL                string                 `json:"url"`
	SignatureVersion   string                 `json:"signature_version"`
	AccessKeyID        string                 `json:"access_key_id"`
	CredentialKind     string                 `json:"credential_kind"`
	SignedAt           *time.Time             `json:"signed_at,omitempty"`
	ExpiresAt          time.Time              `json:"expires_at"`
	EffectiveExpiresAt *time.Time             `json:"effective_expires_at"`
	LimitedBy          string                 `json:"limited_by"`
	Conditions         []postpolicy.Condition `json:"conditions"`
	Problems           []string               `json:"problems"`
	Server             *adminwire.Explanation `json:"server,omitempty"`
	ServerError        *string                `json:"server_error,omitempty"`
}

func (r *postReport) writeJSON(w io.Writer) error {
	f := r.form
	verdict, reason, message := r.verdict()
	j := postInspectJSON{Verdict: verdict, Reason: reason, Message: message, Now: r.now.UTC(), URL: f.URL,
		SignatureVersion: "sigv4", AccessKeyID: f.AccessKeyID, CredentialKind: "long-term",
		ExpiresAt: f.Policy.Expiration, LimitedBy: string(r.lt.LimitedBy), Conditions: f.Policy.Conditions,
		Problems: []string{}, Server: r.server}
	if f.Refusal != nil {
		j.Problems = append(j.Problems, r.problem())
	}
	if f.SigV2 {
		j.SignatureVersion = "sigv2"
	} else {
		at := f.SignedAt
		j.SignedAt = &at
	}
	if f.Temporary() {
		j.CredentialKind = "temporary"
	}
	switch e := r.server; {
	case e != nil:
		j.EffectiveExpiresAt, j.LimitedBy = e.EffectiveExpiresAt, e.LimitedBy
	case !f.Temporary():
		end := r.lt.Effective
		j.EffectiveExpiresAt = &end
	default:
		j.LimitedBy = "unknown"
	}
	if r.serverError != "" {
		j.ServerError = &r.serverError
	}
	var out strings.Builder
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false) // URLs and conditions print as they are
	enc.SetIndent("", "  ")
	if err := enc.Encode(j); err != nil {
		return err
	}
	_, err := io.WriteString(w, r.redacted(out.String()))
	return err
}
