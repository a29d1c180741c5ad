// Package cli parses signet's command line and prints results. One file per
// sub-command; the work itself lives in other packages.
package cli

import (
	"context"
	"fmt"
	"io"
	"time"
)

// Env is what a command may touch: its arguments, streams and the process
// context (cancelled on SIGINT/SIGTERM).
type Env struct {
	Ctx  context.Context
	Args []string
	// Stdin is read only to ask for an MFA code; nil means there is none.
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Now is the clock presign and inspect judge lifetimes by, and the
	// signing time of admin calls; nil means time.Now. Tests inject a fixed
	// time so golden output is stable.
	Now func() time.Time
}

// now reads env's clock.
func (env Env) now() time.Time {
	if env.Now != nil {
		return env.Now()
	}
	return time.Now()
}

type command struct {
	name    string
	summary string
	run     func(env Env) int
	// spec declares the command's flags and help, bound to throwaway
	// values (for help and completion); nil for admin, whose commands
	// each have their own.
	spec func() *cmdSpec
}

func commands() []command {
	return []command{
		{"server", "run the S3-compatible server", runServer, func() *cmdSpec { return serverSpec(&serverOpts{}) }},
		{"version", "print the version", runVersion, func() *cmdSpec { return versionSpec(new(bool)) }},
		{"presign", "print a presigned URL, warning when the credentials die first", runPresign, func() *cmdSpec { return presignSpec(&presignOpts{}) }},
		{"inspect", "explain a presigned URL: its parts, real expiry and why it fails", runInspect, func() *cmdSpec { return inspectSpec(&inspectOpts{}) }},
		{"admin", "manage users, keys, roles and sessions; the dev clock", runAdmin, nil},
		{"completion", "print a shell completion script (bash, zsh or fish)", runCompletion, completionSpec},
	}
}

// Version is set at build time with -ldflags "-X signet/internal/cli.Version=…".
var Version = "dev"

// Main runs the sub-command named by env.Args[0] and returns the exit code.
func Main(env Env) int {
	if len(env.Args) == 0 {
		usage(env.Stderr)
		return 2
	}
	if env.Args[0] == "-h" || env.Args[0] == "--help" || env.Args[0] == "help" {
		usage(env.Stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == env.Args[0] {
			env.Args = env.Args[1:]
			return c.run(env)
		}
	}
	fmt.Fprintf(env.Stderr, "signet: unknown command %q\n\n", env.Args[0])
	usage(env.Stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "signet: an S3-compatible object store for people who live on presigned URLs")
	fmt.Fprintln(w, "\nUsage: signet <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Examples:
  signet server                                  # S3, IAM and STS on 127.0.0.1:9000, data in ./signet-data
  signet presign s3://photos/cat.jpg --expires-in 7d --profile reader
  signet inspect "$URL"                          # its parts, real expiry and why it fails
  signet admin user create alice
  source <(signet completion bash)

Exit status: 0 done; 2 usage error (each command documents its own further codes).
Run 'signet <command> -h' for a command's flags and examples; docs/cli.md is the reference.
`)
}

// versionSpec declares signet version, its --json bound to asJSON.
func versionSpec(asJSON *bool) *cmdSpec {
	return &cmdSpec{
		path:  "version",
		usage: "[--json]",
		about: "Prints signet's version.",
		flags: []flagSpec{
			{name: "json", value: (*switchFlag)(asJSON), help: `print {"version": "…"} instead`},
		},
		column:   8,
		examples: []string{"signet version", "signet version --json"},
		footer:   "Exit codes: 0 printed; 2 usage error.",
	}
}

func runVersion(env Env) int {
	var asJSON bool
	if _, code, done := parseCommand(env, versionSpec(&asJSON)); done {
		return code
	}
	if asJSON {
		fmt.Fprintf(env.Stdout, "{\"version\": %q}\n", Version)
	} else {
		fmt.Fprintln(env.Stdout, "signet", Version)
	}
	return 0
}
