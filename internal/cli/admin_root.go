package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"signet/internal/config"
	"signet/internal/server"
)

func rootExportCmd() *adminCmd {
	var dataDir stringFlag
	return &adminCmd{
		group: "root", verb: "export",
		usage:   "[--data-dir <dir>]",
		action:  "calls nothing: it reads DATA-DIR/root-credentials.json on this machine",
		summary: "print the root's export lines again, from the data directory",
		about: `Prints the root credentials as the shell export lines the server printed
once, on its first start, reading them from root-credentials.json in the
server's data directory on this machine, so that

  eval "$(signet admin root export)"

puts them in the environment. The file must be the server's own: mode 0600,
as the server writes it; a file that others may read is refused, since its
secret may no longer be one. With --json the file's fields are printed as
JSON. Nothing is sent to the server.`,
		flags: []adminFlag{
			{name: "data-dir", arg: "DIR", help: "the server's data directory (else " + config.EnvDataDir + ", or ./signet-data)", value: &dataDir},
		},
		examples: []string{
			`eval "$(signet admin root export)"`,
			"signet admin root export --data-dir /var/lib/signet",
			"signet admin root export --json",
		},
		runLocal: func(_ []string, o *adminOut) error {
			dir := config.Default().DataDir
			if dataDir.set {
				dir = dataDir.v
			}
			rc, err := server.ReadRootFile(dir)
			if err != nil {
				return err
			}
			// The one place besides the first start that reveals the
			// root's secret: printing it is the command's job.
			shown := struct {
				AccountID       string `json:"account_id"`
				AccessKeyID     string `json:"access_key_id"`
				SecretAccessKey string `json:"secret_access_key"`
			}{rc.AccountID, rc.AccessKeyID, rc.Secret.Reveal()}
			if err := o.emit(shown, func(w io.Writer) { rc.WriteExports(w) }); err != nil {
				return err
			}
			// On stderr, so that stdout stays something a shell can eval.
			fmt.Fprintf(o.errw, "root credentials of account %s, from %s.\n"+
				"They may do everything on the server: keep them out of logs, and give people and programs\n"+
				"IAM users of their own ('signet admin user create', 'signet admin key create').\n",
				rc.AccountID, server.RootFile(dir))
			return nil
		},
	}
}

// runAdminLocal runs a command that works on this machine alone, after
// its arguments were checked.
func runAdminLocal(env Env, c *adminCmd, args []string, json bool) int {
	out := &adminOut{w: env.Stdout, errw: env.Stderr, json: json}
	err := c.runLocal(args, out)
	if err == nil {
		return 0
	}
	fmt.Fprintf(env.Stderr, "%s: %v\n", c.name(), err)
	if hint := rootFileHint(err); hint != "" {
		fmt.Fprintln(env.Stderr, hint)
	}
	return 1
}

// rootFileHint says what to do next when the root credentials file could
// not be used, or "".
func rootFileHint(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "give the server's data directory with --data-dir (else " + config.EnvDataDir + ", or ./signet-data): " +
			"the server writes root-credentials.json there on its first start"
	case errors.Is(err, server.ErrRootFileExposed):
		return "the server writes it with mode 0600: restore that (chmod 600) and run this again; " +
			"if someone else may have read it, treat the root key as known to them"
	case errors.Is(err, server.ErrRootKeyNotStored):
		return "the server was given its root key in " + config.EnvRootKeyID + " and " + config.EnvRootSecret +
			", so it never saved one: the root key is wherever those are set"
	case errors.Is(err, fs.ErrPermission):
		return "the file belongs to the user the server runs as: run this as that user"
	}
	return ""
}

// groupFlagsHelp is the help of the common flags the commands of group
// take. A group whose commands all work locally takes only --json; in a
// group that mixes them (backup), the local ones are named.
func groupFlagsHelp(group string) string {
	var local []string
	remote := false
	for _, c := range adminCommands() {
		if c.group == group {
			if c.runLocal != nil {
				local = append(local, c.verb)
			} else {
				remote = true
			}
		}
	}
	if !remote && len(local) > 0 {
		return adminFlagsHelp(true)
	}
	h := adminFlagsHelp(false)
	if len(local) > 0 {
		verb := " work"
		if len(local) == 1 {
			verb = " works"
		}
		h += "  (" + strings.Join(local, " and ") + verb + " on this machine: none of these flags but --json apply)\n"
	}
	return h
}
