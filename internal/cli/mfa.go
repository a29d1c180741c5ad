package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// mfaCode asks for the current code of the MFA device serial, for a role
// profile with mfa_serial, as the AWS CLI does: the prompt goes to stderr,
// so that stdout holds only the command's output (a URL to capture with
// $(…)), and one line is read from standard input, typed or piped.
func (env Env) mfaCode(serial string) (string, error) {
	if env.Stdin == nil {
		return "", &mfaError{fmt.Sprintf("the role needs a code from MFA device %s (mfa_serial), and there is no standard input to read it from", serial)}
	}
	fmt.Fprintf(env.Stderr, "Enter MFA code for %s: ", serial)
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", &mfaError{fmt.Sprintf("reading the MFA code for %s: %v", serial, err)}
	}
	// A terminal echoes the Enter that ends the code; for piped input,
	// end the prompt's line here so that what follows starts its own.
	if f, ok := env.Stdin.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		fmt.Fprintln(env.Stderr)
	}
	code := strings.TrimSpace(line)
	if code == "" {
		return "", &mfaError{fmt.Sprintf("no MFA code given for %s: type the code the device shows when asked, or pipe it on standard input", serial)}
	}
	return code, nil
}

// mfaError is a code that could not be had; its message says what to do.
type mfaError struct{ msg string }

func (e *mfaError) Error() string { return e.msg }
