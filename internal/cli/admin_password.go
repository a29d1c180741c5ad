package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

func userPasswordCmd() *adminCmd {
	var reset switchFlag
	return &adminCmd{
		group: "user", verb: "password", args: "<name>", nargs: 1,
		action:  "iam:CreateLoginProfile (iam:UpdateLoginProfile when the user has a password already)",
		summary: "set a user's console password",
		about: `Sets an IAM user's console password (its login profile), or replaces the
one it has. The password is read from standard input: typed at a prompt
that does not echo it (twice, to catch a typo), or one line piped in; it is
never taken as an argument, which other users could read. It must meet the
account's password policy ('aws iam get-account-password-policy'), or IAM's
default rules when none is set: at least 8 characters, of at least three of
uppercase, lowercase, numbers and symbols. The server keeps only an
Argon2id hash. --reset-required makes the user choose a new password at its
next sign-in; without it, that requirement is cleared.`,
		flags: []adminFlag{
			{name: "reset-required", help: "make the user choose a new password at its next sign-in", value: &reset},
		},
		examples: []string{
			"signet admin user password alice --endpoint-url http://localhost:9000",
			"printf '%s\\n' \"$PASSWORD\" | signet admin user password alice --reset-required --json",
		},
		check: func(args []string) error { return checkIAMName("user", args[0]) },
		runIAM: func(ctx context.Context, c *adminAPIs, args []string, o *adminOut) error {
			pw, err := readNewPassword(o.stdin, o.errw, args[0])
			if err != nil {
				return err
			}
			p, err := c.iam.SetPassword(ctx, args[0], pw, bool(reset))
			if err != nil {
				return err
			}
			return o.emit(p, func(w io.Writer) {
				verb := "replaced"
				if p.Created {
					verb = "set"
				}
				fmt.Fprintf(w, "%s the console password of user %s\n", verb, p.UserName)
				if p.PasswordResetRequired {
					fmt.Fprintln(w, "the user must choose a new one at its next sign-in")
				}
			})
		},
	}
}

// readNewPassword reads a new password: at a terminal, typed twice without
// echo; otherwise the first line of in, without its line ending (a
// password may hold spaces, even at its ends).
func readNewPassword(in io.Reader, prompt io.Writer, user string) (string, error) {
	if in == nil {
		return "", errors.New("no standard input to read the password from: type it when asked, or pipe it in")
	}
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		first, err := promptPassword(f, prompt, "New console password for "+user+": ")
		if err != nil {
			return "", err
		}
		again, err := promptPassword(f, prompt, "Retype it: ")
		if err != nil {
			return "", err
		}
		if first != again {
			return "", errors.New("the two passwords typed differ; nothing was changed")
		}
		return first, nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	pw := strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if pw == "" {
		return "", errors.New("no password given: pipe one line holding it on standard input, or run at a terminal to be asked")
	}
	return pw, nil
}

// promptPassword reads one line from the terminal without echoing it.
func promptPassword(f *os.File, prompt io.Writer, text string) (string, error) {
	fmt.Fprint(prompt, text)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(prompt) // the Enter typed was not echoed
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	return string(b), nil
}
