package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"signet/internal/adminclient"
	"signet/internal/duration"
	"signet/internal/lifetime"
	"signet/internal/postpolicy"
	"signet/internal/presign"
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
	// session is the signing session as the server knows it, when asked.
	session     *adminclient.Session
	serverError string // why the server was not asked or did not answer
	serverAsked string // the endpoint asked
	lt          lifetime.Lifetime
}

// verdict and reason: valid, or why not. session_expired means what it
// means for a URL; policy_expired is the policy's own end, which S3
// refuses with AccessDenied "Invalid according to Policy: Policy
// expired.", and policy_condition_failed a field the policy does not
// allow ("Extra input fields", "Policy Condition failed").
func (r *postReport) verdict() (verdict, reason, message string) {
	lt := r.lt
	switch {
	case r.form.Refusal != nil:
		return "invalid", "policy_condition_failed", r.problem()
	case !r.now.Before(lt.Effective) && lt.LimitedBy == lifetime.LimitCredentials:
		return "invalid", "session_expired", fmt.Sprintf("The session that signed the form ended at %s, %s ago; a POST policy dies with the credentials that signed it (S3 answers 400 ExpiredToken), so sign the form again with live credentials.",
			stampUTC(lt.Effective), duration.Human(r.now.Sub(lt.Effective)))
	case !r.now.Before(lt.Effective):
		return "invalid", "policy_expired", fmt.Sprintf("The policy expired at %s, %s ago; S3 refuses the form with 403 AccessDenied \"Invalid according to Policy: Policy expired.\" Sign a new form.",
			stampUTC(lt.Effective), duration.Human(r.now.Sub(lt.Effective)))
	case r.form.Temporary() && r.session == nil:
		return "valid", "valid", fmt.Sprintf("The form is valid by this machine's clock for at most %s more, until %s: it dies earlier if the session that signed it ends first, and the form does not say when that is.",
			duration.Human(lt.Effective.Sub(r.now)), stampUTC(lt.Effective))
	}
	return "valid", "valid", fmt.Sprintf("The form is valid: it works until %s (%s from now), when %s.",
		stampUTC(lt.Effective), duration.Human(lt.Effective.Sub(r.now)), limitPhrase(lt))
}

func limitPhrase(lt lifetime.Lifetime) string {
	if lt.LimitedBy == lifetime.LimitCredentials {
		return "the session that signed it ends"
	}
	return "its policy expires"
}

func stampUTC(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// runInspectPost explains a POST form offline and, for a form signed by a
// session, asks the server about that session.
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
	failed, hint := false, ""
	if !o.offline {
		failed, hint = askServerAboutSession(env, o, r)
	}
	var credExpiry time.Time
	if r.session != nil {
		credExpiry = r.session.Expires
		if r.session.TerminatedAt != nil {
			credExpiry = *r.session.TerminatedAt
		}
	}
	r.lt = lifetime.Compute(lifetime.Input{URLExpiry: form.Policy.Expiration, CredentialExpiry: credExpiry})
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
		fmt.Fprintf(env.Stderr, "%s: the server's answer is missing: %s\n", name, r.serverError)
		if hint != "" {
			fmt.Fprintln(env.Stderr, hint)
		}
		fmt.Fprintln(env.Stderr, "The report above was judged offline, from the form alone; run with --offline to skip the server.")
		return inspectCannot
	}
	if verdict, _, _ := r.verdict(); verdict == "valid" {
		return inspectValid
	}
	return inspectNotValid
}

// askServerAboutSession asks the endpoint about the session that signed
// the form, which the form itself cannot tell. The server's explain
// takes a presigned URL, and a POST form has none, so a form signed with
// a long-term key is judged offline.
func askServerAboutSession(env Env, o inspectOpts, r *postReport) (failed bool, hint string) {
	if !r.form.Temporary() {
		return false, ""
	}
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
	sess, err := client.Session(env.Ctx, r.form.AccessKeyID)
	if err != nil {
		r.serverError = err.Error()
		return true, adminHint(err, &adminCmd{action: "signet:GetSession"}, nil, s.Endpoint)
	}
	r.session = sess
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
	switch {
	case r.session != nil:
		line("server", r.serverAsked+", asked about the session (the form itself is judged here)")
		line("signed by", r.session.ARN)
		end := "expires " + stampUTC(r.session.Expires)
		if r.session.TerminatedAt != nil {
			end = "terminated " + stampUTC(*r.session.TerminatedAt)
		}
		line("session", r.session.Status+", issued "+stampUTC(r.session.Issued)+", "+end)
	case r.serverError != "":
		line("server", "no answer from "+r.serverAsked+": "+r.serverError)
	case f.Temporary():
		line("server", "not asked: the form dies when its session ends, and the form does not say when; pass --endpoint-url with admin credentials to ask the server")
	default:
		line("server", "not asked: signet's explain takes a presigned URL, and a form signed with a long-term key is judged here from its policy")
	}
	if r.session != nil || !f.Temporary() {
		line("effective end", stampUTC(r.lt.Effective)+", "+limitPhrase(r.lt))
	}
	fmt.Fprintln(b)
	verdict, reason, message := r.verdict()
	if reason == verdict {
		line("verdict", verdict+": "+message)
	} else {
		line("verdict", verdict+", "+reason+": "+message)
	}
	return b.Flush()
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
	Session            *adminclient.Session   `json:"session,omitempty"`
	ServerError        *string                `json:"server_error,omitempty"`
}

func (r *postReport) writeJSON(w io.Writer) error {
	f := r.form
	verdict, reason, message := r.verdict()
	j := postInspectJSON{Verdict: verdict, Reason: reason, Message: message, Now: r.now.UTC(), URL: f.URL,
		SignatureVersion: "sigv4", AccessKeyID: f.AccessKeyID, CredentialKind: "long-term",
		ExpiresAt: f.Policy.Expiration, LimitedBy: string(r.lt.LimitedBy), Conditions: f.Policy.Conditions,
		Problems: []string{}, Session: r.session}
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
	if r.session != nil || !f.Temporary() {
		end := r.lt.Effective
		j.EffectiveExpiresAt = &end
	} else {
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
