package cli

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"signet/internal/adminclient"
)

// adminCmd is one `signet admin <group> <verb>` command. Commands check
// their arguments before anything is loaded or sent, so a usage error never
// costs a round trip and always exits 2.
type adminCmd struct {
	group, verb string
	args        string // positional arguments, for usage lines
	nargs       int
	// optionalArg lets the one positional argument be left out (a
	// command whose flags can stand for it).
	optionalArg bool
	// usage replaces args and switches in the command's own usage line,
	// for commands whose flags are part of what they mean.
	usage     string
	summary   string
	about     string   // what it does, for --help
	examples  []string // full command lines
	action    string   // the signet:<Action> or iam:<Action>s it needs, for --help and AccessDenied
	listFlags bool     // takes --all
	// flags are the command's own flags besides the common ones: help,
	// parsing and shell completion are all generated from them.
	flags []adminFlag
	check func(args []string) error
	// run calls the admin API; runIAM calls IAM (and the admin API when
	// it needs the server's clock). A command sets one of them.
	run    func(ctx context.Context, c *adminclient.Client, args []string, o *adminOut) error
	runIAM func(ctx context.Context, c *adminAPIs, args []string, o *adminOut) error
	// runLocal works on this machine alone (root export reads a file):
	// such a command takes no endpoint, profile or region.
	runLocal func(args []string, o *adminOut) error
	// profileHelp, when set, makes --profile name the profile the command
	// writes (key create) rather than the caller's; the caller's then
	// comes from AWS_PROFILE or default.
	profileHelp string
}

// adminAPIs are the clients an IAM command may call.
type adminAPIs struct {
	admin *adminclient.Client
	iam   *adminclient.IAM
}

func (c *adminCmd) name() string { return "signet admin " + c.group + " " + c.verb }

// synopsis is the command's arguments and its switches, for listings.
func (c *adminCmd) synopsis() string {
	s := c.args
	if c.listFlags {
		s += " [--all]"
	}
	for _, f := range c.flags {
		if f.isSwitch() {
			s += " [--" + f.name + "]"
		}
	}
	return strings.TrimSpace(s)
}

// fullSynopsis is the command's usage line after its name.
func (c *adminCmd) fullSynopsis() string {
	if c.usage != "" {
		return c.usage
	}
	return c.synopsis()
}

func adminCommands() []*adminCmd {
	return []*adminCmd{
		userCreateCmd(), userListCmd(), userShowCmd(), userDeleteCmd(), userPasswordCmd(), userAttachCmd(),
		userDetachCmd(), userPutPolicyCmd(), userDeletePolicyCmd(),
		keyCreateCmd(), keyListCmd(), keyDeactivateCmd(), keyActivateCmd(), keyDeleteCmd(), keyRotateSealingCmd(),
		roleCreateCmd(), roleListCmd(), roleShowCmd(), roleDeleteCmd(), roleAttachCmd(),
		roleDetachCmd(), rolePutPolicyCmd(), roleDeletePolicyCmd(), roleUpdateCmd(),
		sessionListCmd(), sessionShowCmd(), sessionTerminateCmd(),
		revokeRoleCmd(), revokeUserCmd(),
		urlRevokeCmd(), urlRevocationsCmd(),
		urlUsesCmd(),
		clockShowCmd(), clockAdvanceCmd(), clockResetCmd(),
		rootExportCmd(),
		backupCreateCmd(), backupVerifyCmd(), backupRestoreCmd(),
	}
}

var adminGroups = []struct{ name, summary string }{
	{"user", "IAM users: people and programs with long-term access keys"},
	{"key", "access keys of IAM users (create prints the secret once); the sealing key (rotate-sealing, offline)"},
	{"role", "IAM roles: who may assume them, for how long, with which policies"},
	{"session", "temporary credentials STS issued"},
	{"revoke", "revoke older sessions of a role or user, as AWS's console does"},
	{"url", "presigned URLs: revoke one link, or every link a signer signed before a time; list a link's uses"},
	{"clock", "the server's lifetime clock (the dev clock under --dev-clock)"},
	{"root", "the account's root credentials, from the server's data directory"},
	{"backup", "hot backups of a running server, and their restore into a data directory"},
}

// adminOpts are the flags every admin command takes.
type adminOpts struct {
	aws  awsFlags
	json bool
	all  bool
	// saveProfile is --profile of a command with profileHelp.
	saveProfile string
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
	if verb, ok := defaultVerbs[group]; ok && !strings.HasPrefix(args[1], "-") {
		env.Args = append([]string{group, verb}, args[1:]...)
		return runAdmin(env)
	}
	fmt.Fprintf(env.Stderr, "signet admin %s: unknown command %q\n\n", group, args[1])
	adminGroupUsage(env.Stderr, group)
	return 2
}

// defaultVerbs are the groups whose first argument may be the operand of
// their most common verb: `signet admin backup DIR` is `backup create DIR`.
var defaultVerbs = map[string]string{"backup": "create"}

func isHelp(s string) bool { return s == "-h" || s == "-help" || s == "--help" || s == "help" }

func runAdminCmd(env Env, c *adminCmd, args []string) int {
	var o adminOpts
	spec := c.spec(&o)
	env.Args = args
	pos, code, done := parseCommand(env, spec)
	if done {
		return code
	}
	if c.runLocal != nil {
		return runAdminLocal(env, c, pos, o.json)
	}
	s, err := loadAWSSettings(env.Ctx, o.aws, env.mfaCode)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", c.name(), err)
		return 2
	}
	client := &adminclient.Client{
		Endpoint:    s.Endpoint,
		Region:      s.Region,
		Credentials: sdkCredentials{s.Credentials},
		HTTP:        s.HTTP,
		// Signing follows env's clock, so tests can run the server on a
		// fake one; in the binary it is the real clock.
		Now:       env.Now,
		UserAgent: "signet/" + Version,
	}
	out := &adminOut{w: env.Stdout, errw: env.Stderr, stdin: env.Stdin, json: o.json, all: o.all, now: env.now, saveProfile: o.saveProfile}
	if c.runIAM != nil {
		apis := &adminAPIs{admin: client, iam: adminclient.NewIAM(adminclient.IAMConfig{
			Endpoint: s.Endpoint, Region: s.Region, Credentials: s.Credentials, HTTP: s.HTTP, Now: env.Now,
		})}
		err = c.runIAM(env.Ctx, apis, pos, out)
	} else {
		err = c.run(env.Ctx, client, pos, out)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", c.name(), err)
		if hint := adminHint(err, c, pos, s.Endpoint); hint != "" {
			fmt.Fprintln(env.Stderr, hint)
		}
		return 1
	}
	return 0
}

// adminOut prints a result: JSON with indentation under --json, else
// text for people.
type adminOut struct {
	w    io.Writer
	errw io.Writer // notes for people that must stay out of stdout
	json bool
	all  bool
	// now is this machine's clock, which `clock show` compares with the
	// server's.
	now func() time.Time
	// saveProfile is the profile key create writes, "" for none.
	saveProfile string
	// stdin is what a command reads for a "-" file operand.
	stdin io.Reader
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
func adminHint(err error, c *adminCmd, args []string, endpoint *url.URL) string {
	var ie *adminclient.IAMError
	var nie *adminclient.NotIAMError
	var ae *adminclient.APIError
	var he *adminclient.HTTPError
	var ce *adminclient.CredentialsError
	var mfa *mfaError
	var ne net.Error
	var cve *tls.CertificateVerificationError
	switch {
	case errors.As(err, &ie):
		if h := iamHint(ie.API, c, args); h != "" {
			return h
		}
		return apiHints[ie.API.Code]
	case errors.As(err, &ae):
		if ae.Code == "AccessDenied" {
			action := c.action
			if c.runIAM != nil {
				// An IAM command calls the admin API only for the clock.
				action = "signet:GetClock"
			}
			return fmt.Sprintf("the caller's identity policy must allow %s on resource \"*\" (or call with the root credentials)", action)
		}
		return apiHints[ae.Code]
	case errors.As(err, &nie):
		return fmt.Sprintf("%s did not answer as IAM: check that --endpoint-url names a signet server (it serves IAM at its root path)", endpoint.Redacted())
	case errors.As(err, &he):
		return fmt.Sprintf("%s did not answer as signet's admin API: check that --endpoint-url names a signet server with the admin API (docs/admin-api.md)", endpoint.Redacted())
	case errors.As(err, &mfa):
		return "" // its message says what to do
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

// iamHint says what to do next about an IAM error answered to c, or ""
// to fall back on apiHints. IAM's messages name the entity that is
// missing or in the way; the hints name the command that helps.
func iamHint(e *adminclient.APIError, c *adminCmd, args []string) string {
	if h := policyVerbHint(e, c, args); h != "" {
		return h
	}
	name := ""
	if len(args) > 0 {
		name = args[0]
	}
	switch e.Code {
	case "AccessDenied":
		return "the caller's identity policies must allow the action named above on that resource " +
			"(arn:aws:iam::aws:policy/IAMFullAccess allows every iam: action), or call with the root credentials"
	case "InvalidClientTokenId":
		return "the server does not know this access key ID, or it belongs to GetSessionToken or GetFederationToken credentials, which cannot call IAM: " +
			"check --profile, AWS_PROFILE or AWS_ACCESS_KEY_ID, and --endpoint-url"
	case "NoSuchEntity":
		msg := strings.ToLower(e.Message)
		switch {
		case strings.Contains(msg, "access key"):
			return fmt.Sprintf("list the user's keys with 'signet admin key list %s'", name)
		case strings.Contains(msg, "user with name"):
			return "list the users with 'signet admin user list'"
		case strings.Contains(msg, "role with name"):
			return "list the roles with 'signet admin role list'"
		case strings.Contains(msg, "policy"):
			return "name a policy by its ARN, e.g. arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess, or a shortcut: " + policyShortcutList()
		}
	case "EntityAlreadyExists":
		return fmt.Sprintf("pick another name, or see the existing one with 'signet admin %s show %s'", c.group, name)
	case "DeleteConflict":
		switch c.group {
		case "user":
			return fmt.Sprintf("'signet admin user delete %s --force' deletes its console password, access keys and policies first", name)
		case "role":
			return fmt.Sprintf("'signet admin role delete %s --force' deletes and detaches its policies first", name)
		}
	case "LimitExceeded":
		if c.group == "key" {
			return fmt.Sprintf("a user has at most 2 access keys, inactive ones included: delete one first ('signet admin key list %s', then 'signet admin key delete %s ACCESS_KEY_ID')", name, name)
		}
		return "the message names the IAM quota reached: remove something first"
	case "MalformedPolicyDocument":
		return "the policy document was refused as shown; --trust builds a valid trust policy from ARNs, account IDs or user names"
	}
	return ""
}

// adminFlagColumn is where flag descriptions start in the admin
// commands' help.
const adminFlagColumn = 20

// adminCommonFlags are the flags every admin command takes, bound to o.
func adminCommonFlags(o *adminOpts, local bool) []flagSpec {
	jsonFlag := flagSpec{name: "json", value: (*switchFlag)(&o.json),
		help: "print JSON, indented, instead of text (fields: docs/cli.md)"}
	if local {
		return []flagSpec{jsonFlag} // a local command calls no server
	}
	return []flagSpec{
		{name: "endpoint-url", arg: "URL", value: (*textFlag)(&o.aws.endpointURL),
			help: "the signet server (else AWS_ENDPOINT_URL, or the profile's endpoint_url)"},
		{name: "profile", arg: "NAME", value: (*textFlag)(&o.aws.profile),
			help: "shared config and credentials profile (else AWS_PROFILE, or default)"},
		{name: "region", arg: "REGION", value: (*textFlag)(&o.aws.region),
			help: "region to sign for, any (else AWS_REGION, the profile's, or us-east-1)"},
		jsonFlag,
	}
}

// adminFlagsHelp describes the flags every admin command takes, for the
// listings of admin and its groups.
func adminFlagsHelp(local bool) string {
	var b strings.Builder
	writeFlags(&b, adminCommonFlags(&adminOpts{}, local), adminFlagColumn)
	return b.String()
}

// spec is c's command spec, its flags bound to o: c's own, then the
// common ones.
func (c *adminCmd) spec(o *adminOpts) *cmdSpec {
	var flags []flagSpec
	if c.listFlags {
		flags = append(flags, flagSpec{name: "all", value: (*switchFlag)(&o.all),
			help: "also expired and terminated sessions (kept 7 days past expiry)"})
	}
	flags = append(flags, c.flags...)
	common := adminCommonFlags(o, c.runLocal != nil)
	for i := range common {
		if common[i].name == "profile" && c.profileHelp != "" {
			common[i].value, common[i].help = (*textFlag)(&o.saveProfile), c.profileHelp
		}
	}
	flags = append(flags, common...)
	usage := "[flags]"
	if s := c.fullSynopsis(); s != "" {
		usage = s + " " + usage
	}
	return &cmdSpec{
		path: "admin " + c.group + " " + c.verb, usage: usage, about: c.about,
		flags: flags, column: adminFlagColumn, examples: c.examples,
		footer: c.footer(),
		args: func(pos []string) error {
			// nargs < 0: the arguments depend on the flags; check judges.
			if c.nargs >= 0 && len(pos) != c.nargs && !(c.optionalArg && len(pos) == 0) {
				if c.nargs == 0 {
					return fmt.Errorf("unexpected argument %q", pos[0])
				}
				return fmt.Errorf("want %s, got %d argument(s)", c.args, len(pos))
			}
			if c.check != nil {
				return c.check(pos)
			}
			return nil
		},
	}
}

// listing prints "  <cmd>  <summary>" lines with the summaries aligned.
func listing(w io.Writer, rows [][2]string) {
	width := 0
	for _, r := range rows {
		width = max(width, len(r[0]))
	}
	for _, r := range rows {
		fmt.Fprintf(w, "  %-*s %s\n", width+1, r[0], r[1])
	}
}

func adminUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: signet admin <group> <command> [arguments] [flags]

Manages a signet server without the AWS CLI: IAM users, their access keys
and roles through the IAM API; sessions, their revocation and the dev clock
through signet's admin API (docs/admin-api.md). Calls are signed with SigV4;
endpoint, region and credentials are found as the AWS CLI finds them (flags,
AWS_* variables, ~/.aws files). The caller needs the root credentials or
identity policies allowing the actions each command's --help names.

Commands:
`)
	var rows [][2]string
	for _, c := range adminCommands() {
		rows = append(rows, [2]string{strings.TrimSpace(c.group + " " + c.verb + " " + c.synopsis()), c.summary})
	}
	listing(w, rows)
	fmt.Fprint(w, "\nFlags (every command that calls the server):\n"+adminFlagsHelp(false))
	fmt.Fprint(w, `
Examples:
  signet admin user create alice --endpoint-url http://localhost:9000
  eval "$(signet admin key create alice)"
  signet admin role create reader --trust alice --max-session-duration 12h --policy read-only
  signet admin revoke role reader
  signet admin session list --all --profile signet
  signet admin clock advance 6d23h

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
	var rows [][2]string
	var examples []string
	for _, c := range adminCommands() {
		if c.group == group {
			rows = append(rows, [2]string{strings.TrimSpace(c.verb + " " + c.synopsis()), c.summary})
			examples = append(examples, c.examples[0])
		}
	}
	listing(w, rows)
	fmt.Fprint(w, "\nFlags (every command):\n"+groupFlagsHelp(group))
	fmt.Fprint(w, "\nExamples:\n")
	for _, e := range examples {
		fmt.Fprintf(w, "  %s\n", e)
	}
	fmt.Fprintf(w, "\nRun 'signet admin %s <command> --help' for a command's details.\n", group)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// footer is the last line of c's help: what it needs and its exit codes.
func (c *adminCmd) footer() string {
	if c.runLocal != nil {
		return upperFirst(c.action) + ". Exit status: 0 done, 1 the data directory could not be used, 2 usage error."
	}
	return fmt.Sprintf("Calls %s. Exit status: 0 done, 1 the call failed, 2 usage error.", c.action)
}
