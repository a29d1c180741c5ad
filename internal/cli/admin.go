package cli

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"

	"signet/internal/adminclient"
)

// adminCmd is one `signet admin <group> <verb>` command. Commands check
// their arguments before anything is loaded or sent, so a usage error never
// costs a round trip and always exits 2.
type adminCmd struct {
	group, verb string
	args        string // positional arguments, for usage lines
	nargs       int
	summary     string
	about       string   // what it does, for --help
	examples    []string // full command lines
	action      string   // the signet:<Action> it needs, for AccessDenied
	listFlags   bool     // takes --all
	check       func(args []string) error
	run         func(ctx context.Context, c *adminclient.Client, args []string, o *adminOut) error
}

func (c *adminCmd) name() string { return "signet admin " + c.group + " " + c.verb }

// synopsis is the command's arguments and own flags, for usage lines.
func (c *adminCmd) synopsis() string {
	if c.listFlags {
		return strings.TrimSpace(c.args + " [--all]")
	}
	return c.args
}

func adminCommands() []*adminCmd {
	return []*adminCmd{clockShowCmd(), clockAdvanceCmd(), sessionListCmd(), sessionShowCmd(), sessionTerminateCmd()}
}

var adminGroups = []struct{ name, summary string }{
	{"clock", "the server's lifetime clock (the dev clock under --dev-clock)"},
	{"session", "temporary credentials STS issued"},
}

// adminOpts are the flags every admin command takes.
type adminOpts struct {
	aws  awsFlags
	json bool
	all  bool
}

// runAdmin dispatches `signet admin <group> <verb> …`.
func runAdmin(env Env) int {
	args := env.Args
	if len(args) == 0 {
		adminUsage(env.Stderr)
		return 2
	}
	if isHelp(args[0]) {
		adminUsage(env.Stdout)
		return 0
	}
	group := args[0]
	known := false
	for _, g := range adminGroups {
		known = known || g.name == group
	}
	if !known {
		fmt.Fprintf(env.Stderr, "signet admin: unknown command %q\n\n", group)
		adminUsage(env.Stderr)
		return 2
	}
	if len(args) == 1 {
		adminGroupUsage(env.Stderr, group)
		return 2
	}
	if isHelp(args[1]) {
		adminGroupUsage(env.Stdout, group)
		return 0
	}
	for _, c := range adminCommands() {
		if c.group == group && c.verb == args[1] {
			return runAdminCmd(env, c, args[2:])
		}
	}
	fmt.Fprintf(env.Stderr, "signet admin %s: unknown command %q\n\n", group, args[1])
	adminGroupUsage(env.Stderr, group)
	return 2
}

func isHelp(s string) bool { return s == "-h" || s == "-help" || s == "--help" || s == "help" }

func runAdminCmd(env Env, c *adminCmd, args []string) int {
	var o adminOpts
	fs := flag.NewFlagSet(c.name(), flag.ContinueOnError)
	// Errors are printed below, help on stdout: the flag package's own
	// printing would send both to one stream.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&o.aws.endpointURL, "endpoint-url", "", "")
	fs.StringVar(&o.aws.profile, "profile", "", "")
	fs.StringVar(&o.aws.region, "region", "", "")
	fs.BoolVar(&o.json, "json", false, "")
	if c.listFlags {
		fs.BoolVar(&o.all, "all", false, "")
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(env.Stderr, "%s: %s\nRun '%s --help' for usage.\n", c.name(), fmt.Sprintf(format, a...), c.name())
		return 2
	}
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		adminCmdUsage(env.Stdout, c)
		return 0
	}
	if err != nil {
		// The flag package names flags with one dash; signet's help uses two.
		return usageErr("%s", strings.Replace(err.Error(), "defined: -", "defined: --", 1))
	}
	if len(pos) != c.nargs {
		if c.nargs == 0 {
			return usageErr("unexpected argument %q", pos[0])
		}
		return usageErr("want %s, got %d argument(s)", c.args, len(pos))
	}
	if c.check != nil {
		if err := c.check(pos); err != nil {
			return usageErr("%v", err)
		}
	}
	s, err := loadAWSSettings(env.Ctx, o.aws)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", c.name(), err)
		return 2
	}
	client := &adminclient.Client{
		Endpoint:    s.Endpoint,
		Region:      s.Region,
		Credentials: sdkCredentials{s.Credentials},
		HTTP:        s.HTTP,
		UserAgent:   "signet/" + Version,
	}
	out := &adminOut{w: env.Stdout, json: o.json, all: o.all}
	if err := c.run(env.Ctx, client, pos, out); err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", c.name(), err)
		if hint := adminHint(err, c, s.Endpoint); hint != "" {
			fmt.Fprintln(env.Stderr, hint)
		}
		return 1
	}
	return 0
}

// parseInterspersed parses flags wherever they appear, as the AWS CLI does
// (`session show ASIA… --json`); Go's flag package alone stops at the first
// argument. "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// adminOut prints a result: the API's JSON re-encoded with indentation
// under --json, else text for people.
type adminOut struct {
	w    io.Writer
	json bool
	all  bool
}

func (o *adminOut) emit(v any, human func(w io.Writer)) error {
	if !o.json {
		human(o.w)
		return nil
	}
	enc := json.NewEncoder(o.w)
	enc.SetEscapeHTML(false) // ARNs and messages print as the server sent them
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// apiHints say what to do next about an API error, by code.
var apiHints = map[string]string{
	"DevClockDisabled":           "start the server with --dev-clock to let admin calls move its clock",
	"InvalidDuration":            "give a positive duration such as 90s, 12h0m1s, 6d23h or 3600 (seconds)",
	"NoSuchSession":              "list the sessions on record with 'signet admin session list --all'",
	"InvalidClientTokenId":       "the server does not know this access key ID: check --profile, AWS_PROFILE or AWS_ACCESS_KEY_ID, and --endpoint-url",
	"SignatureDoesNotMatch":      "check that the secret access key belongs to this access key ID",
	"ExpiredToken":               "the calling session has expired or was terminated (by the server's lifetime clock, which the dev clock moves): call with long-term credentials such as the root's",
	"MissingAuthenticationToken": "the request reached the server unsigned: is a proxy dropping the Authorization header?",
	"RequestExpired":             "this machine's clock and the server's real clock differ by more than 15 minutes",
	"RequestTimeTooSkewed":       "this machine's clock and the server's real clock differ by more than 15 minutes",
	"NotFound":                   "the server does not serve this admin call: is it a signet version with the admin API (docs/admin-api.md)?",
}

// adminHint says what to do next about err, or "".
func adminHint(err error, c *adminCmd, endpoint *url.URL) string {
	var ae *adminclient.APIError
	var he *adminclient.HTTPError
	var ce *adminclient.CredentialsError
	var ne net.Error
	var cve *tls.CertificateVerificationError
	switch {
	case errors.As(err, &ae):
		if ae.Code == "AccessDenied" {
			return fmt.Sprintf("the caller's identity policy must allow %s on resource \"*\" (or call with the root credentials)", c.action)
		}
		return apiHints[ae.Code]
	case errors.As(err, &he):
		return fmt.Sprintf("%s did not answer as signet's admin API: check that --endpoint-url names a signet server with the admin API (docs/admin-api.md)", endpoint.Redacted())
	case errors.As(err, &ce):
		return "configure credentials as for the AWS CLI: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile (--profile or AWS_PROFILE)"
	case errors.Is(err, context.Canceled):
		return ""
	case errors.As(err, &cve):
		return "the server's certificate is not trusted: point AWS_CA_BUNDLE (or ca_bundle in the profile) at the PEM file of the CA that signed it"
	case errors.As(err, &ne):
		return fmt.Sprintf("could not reach %s: is the signet server running there? (--endpoint-url)", endpoint.Redacted())
	}
	return ""
}

const adminFlagsHelp = `  --endpoint-url URL  the signet server (else AWS_ENDPOINT_URL, or the profile's endpoint_url)
  --profile NAME      shared config and credentials profile (else AWS_PROFILE, or default)
  --region REGION     region to sign for, any (else AWS_REGION, the profile's, or us-east-1)
  --json              print the API's JSON, indented, instead of text
`

func adminUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: signet admin clock|session <command> [flags]

Calls signet's admin API (docs/admin-api.md): the dev clock and the sessions
STS issued. Calls are signed with SigV4; endpoint, region and credentials
are found as the AWS CLI finds them (flags, AWS_* variables, ~/.aws files).
The caller needs the root credentials or an identity policy allowing
signet:<Action> on "*".

Commands:
`)
	for _, c := range adminCommands() {
		fmt.Fprintf(w, "  %-34s %s\n", c.group+" "+c.verb+" "+c.synopsis(), c.summary)
	}
	fmt.Fprint(w, "\nFlags (every command):\n"+adminFlagsHelp)
	fmt.Fprint(w, `
Examples:
  signet admin clock show --endpoint-url http://localhost:9000
  signet admin clock advance 6d23h
  signet admin session list --all --profile signet
  signet admin session terminate ASIAIOSFODNN7EXAMPLE

Exit status: 0 done, 1 the call failed (API or network error), 2 usage error.
Run 'signet admin <group> <command> --help' for a command's details.
`)
}

func adminGroupUsage(w io.Writer, group string) {
	summary := ""
	for _, g := range adminGroups {
		if g.name == group {
			summary = g.summary
		}
	}
	fmt.Fprintf(w, "Usage: signet admin %s <command> [flags]\n\n%s.\n\nCommands:\n", group, upperFirst(summary))
	var examples []string
	for _, c := range adminCommands() {
		if c.group == group {
			fmt.Fprintf(w, "  %-26s %s\n", c.verb+" "+c.synopsis(), c.summary)
			examples = append(examples, c.examples[0])
		}
	}
	fmt.Fprint(w, "\nFlags (every command):\n"+adminFlagsHelp)
	fmt.Fprint(w, "\nExamples:\n")
	for _, e := range examples {
		fmt.Fprintf(w, "  %s\n", e)
	}
	fmt.Fprintf(w, "\nRun 'signet admin %s <command> --help' for a command's details.\n", group)
}

func adminCmdUsage(w io.Writer, c *adminCmd) {
	line := c.name()
	if c.synopsis() != "" {
		line += " " + c.synopsis()
	}
	fmt.Fprintf(w, "Usage: %s [flags]\n\n%s\n\nFlags:\n", line, strings.TrimSpace(c.about))
	if c.listFlags {
		fmt.Fprint(w, "  --all               also expired and terminated sessions (kept 7 days past expiry)\n")
	}
	fmt.Fprint(w, adminFlagsHelp+"\nExamples:\n")
	for _, e := range c.examples {
		fmt.Fprintf(w, "  %s\n", e)
	}
	fmt.Fprintf(w, "\nCalls %s. Exit status: 0 done, 1 the call failed, 2 usage error.\n", c.action)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
