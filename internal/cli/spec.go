package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// cmdSpec declares one runnable command once. Its parser (parseCommand),
// its --help (writeHelp), its shell completion (completionTree) and its
// golden help test all read it, so a new flag is one entry in flags and
// nothing else.
type cmdSpec struct {
	path  string // the words after "signet": "presign", "admin user create"
	usage string // the usage line after the path: "s3://BUCKET/KEY [flags]"
	about string // what it does, for --help
	flags []flagSpec
	// column is where flag descriptions start in --help.
	column int
	// examples are the lines of the Examples section; "" separates groups.
	examples []string
	// footer closes --help: exit codes, and notes that belong after the
	// examples.
	footer string
	// args judges the positional arguments once the flags are parsed; nil
	// means the command takes none.
	args func(pos []string) error
	// argChoices are the values the first positional argument takes, for
	// shell completion (completion's shells); nil when it is free.
	argChoices []string
}

// name is the command as people type it, for messages.
func (s *cmdSpec) name() string { return "signet " + s.path }

// flagSpec is one flag of one command: what --help, completion and the
// parser need to know about it.
type flagSpec struct {
	name string // without dashes
	arg  string // the value's placeholder in help, e.g. ARN; "" for a switch
	// help describes the flag; a "\n" breaks the line in --help, where the
	// rest continues at the description column.
	help string
	// value receives the parsed value: a *switchFlag for a switch, a
	// *listFlag for a flag that may repeat.
	value flag.Value
	file  bool // the value names a file, for shell completion
	dir   bool // the value names a directory, for shell completion
	// choices are the values the flag takes, when they are few, for shell
	// completion.
	choices []string
	// def is the default, for help, when help does not say it.
	def string
	// env is the environment variable the flag's default comes from; help
	// names it.
	env string
	// group joins consecutive flags into one --help entry that lists their
	// names and gives the first one's help (the response-* overrides).
	group string
}

// adminFlag is the name the admin commands' tables use for a flag.
type adminFlag = flagSpec

func (f flagSpec) isSwitch() bool {
	b, ok := f.value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// compHelp is the flag's help cut to its first clause, for the one-line
// descriptions of shell completion.
func (f flagSpec) compHelp() string {
	h := strings.Join(strings.Fields(f.help), " ")
	for _, sep := range []string{"; ", ": ", " ("} {
		if i := strings.Index(h, sep); i > 0 {
			h = h[:i]
		}
	}
	return h
}

// switchFlag is a flag without a value.
type switchFlag bool

func (s *switchFlag) String() string   { return strconv.FormatBool(bool(*s)) }
func (s *switchFlag) IsBoolFlag() bool { return true }
func (s *switchFlag) Set(v string) error {
	b, err := strconv.ParseBool(v)
	*s = switchFlag(b)
	return err
}

// stringFlag is a flag with one value; set tells "given empty" from
// "not given".
type stringFlag struct {
	v   string
	set bool
}

func (s *stringFlag) String() string { return s.v }
func (s *stringFlag) Set(v string) error {
	if s.set {
		return fmt.Errorf("given twice (%q and %q)", s.v, v)
	}
	s.v, s.set = v, true
	return nil
}

// textFlag is a flag with one value where the last one given wins, as
// with the flag package; it holds its default until then.
type textFlag string

func (s *textFlag) String() string     { return string(*s) }
func (s *textFlag) Set(v string) error { *s = textFlag(v); return nil }

// intFlag is a flag with a whole number.
type intFlag int

func (n *intFlag) String() string { return strconv.Itoa(int(*n)) }
func (n *intFlag) Set(v string) error {
	i, err := strconv.Atoi(v)
	if err != nil {
		return errors.New("want a whole number")
	}
	*n = intFlag(i)
	return nil
}

// durationFlag is a flag with a Go duration (90s, 1m30s).
type durationFlag time.Duration

func (d *durationFlag) String() string { return time.Duration(*d).String() }
func (d *durationFlag) Set(v string) error {
	p, err := time.ParseDuration(v)
	if err != nil {
		return errors.New("want a duration such as 30s, 1m or 1h30m")
	}
	*d = durationFlag(p)
	return nil
}

// listFlag is a flag that may be given more than once.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// parseFlags parses args against flags wherever they appear, as the AWS
// CLI does (`session show ASIA… --json`); "--" ends the flags. A flag is
// spelt with one dash or two, and takes its value as the next word or
// after "=". It returns the positional arguments, or flag.ErrHelp for -h
// or --help. Its messages name flags as help does, with two dashes.
func parseFlags(flags []flagSpec, args []string) ([]string, error) {
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(pos, args[i+1:]...), nil
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		body := strings.TrimPrefix(a[1:], "-")
		if body == "" || body[0] == '-' || body[0] == '=' {
			return nil, fmt.Errorf("bad flag syntax: %s", a)
		}
		name, value, hasValue := strings.Cut(body, "=")
		f := lookupFlag(flags, name)
		switch {
		case f == nil && (name == "help" || name == "h"):
			return nil, flag.ErrHelp
		case f == nil:
			return nil, fmt.Errorf("flag provided but not defined: --%s", name)
		case f.isSwitch():
			if !hasValue {
				value = "true"
			}
			if err := f.value.Set(value); err != nil {
				return nil, fmt.Errorf("invalid boolean value %q for --%s: %v", value, name, err)
			}
			continue
		case !hasValue:
			if i+1 == len(args) {
				return nil, fmt.Errorf("flag needs an argument: --%s", name)
			}
			i++
			value = args[i]
		}
		if err := f.value.Set(value); err != nil {
			return nil, fmt.Errorf("--%s %q: %v", name, value, err)
		}
	}
	return pos, nil
}

func lookupFlag(flags []flagSpec, name string) *flagSpec {
	for i := range flags {
		if flags[i].name == name {
			return &flags[i]
		}
	}
	return nil
}

// parseCommand parses env.Args by s. When done is true the command has
// finished, with exit status code: its help was printed (0) or a usage
// error (2); else pos are the positional arguments, judged by s.args.
func parseCommand(env Env, s *cmdSpec) (pos []string, code int, done bool) {
	pos, err := parseFlags(s.flags, env.Args)
	if errors.Is(err, flag.ErrHelp) {
		writeHelp(env.Stdout, s)
		return nil, 0, true
	}
	if err == nil {
		err = checkArgs(s, pos)
	}
	if err != nil {
		return nil, usageError(env, s, "%v", err), true
	}
	return pos, 0, false
}

func checkArgs(s *cmdSpec, pos []string) error {
	if s.args != nil {
		return s.args(pos)
	}
	if len(pos) > 0 {
		return fmt.Errorf("unexpected argument %q", pos[0])
	}
	return nil
}

// usageError prints a usage error and where help is, and returns the
// exit status of one, 2.
func usageError(env Env, s *cmdSpec, format string, a ...any) int {
	fmt.Fprintf(env.Stderr, "%s: %s\nRun '%s --help' for usage.\n", s.name(), fmt.Sprintf(format, a...), s.name())
	return 2
}

// helpWidth is where the names of a flag group wrap in --help.
const helpWidth = 80

// writeHelp prints s's --help: usage, what it does, flags, examples and
// the footer.
func writeHelp(w io.Writer, s *cmdSpec) {
	fmt.Fprintf(w, "Usage: %s %s\n\n%s\n", s.name(), s.usage, strings.TrimSpace(s.about))
	if len(s.flags) > 0 {
		fmt.Fprint(w, "\nFlags:\n")
		writeFlags(w, s.flags, s.column)
	}
	fmt.Fprint(w, "\nExamples:\n")
	for _, e := range s.examples {
		if e == "" {
			fmt.Fprintln(w)
			continue
		}
		fmt.Fprintf(w, "  %s\n", e)
	}
	if s.footer != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(s.footer))
	}
}

// writeFlags prints one entry per flag (per group of flags): the flag and
// its placeholder, then its help from column on, or below when the flag
// is too wide to share the line.
func writeFlags(w io.Writer, flags []flagSpec, column int) {
	for i := 0; i < len(flags); i++ {
		f := flags[i]
		left := []string{flagWithArg(f)}
		for f.group != "" && i+1 < len(flags) && flags[i+1].group == f.group {
			i++
			left = append(left, flagWithArg(flags[i]))
		}
		lines := strings.Split(f.help, "\n")
		pad := strings.Repeat(" ", column+2)
		if d := defaultNote(f); d != "" {
			last := &lines[len(lines)-1]
			if len(pad)+len(*last)+len(d)+3 > helpWidth {
				lines = append(lines, "("+d+")")
			} else {
				*last += " (" + d + ")"
			}
		}
		if len(left) == 1 && len(left[0]) <= column-2 {
			fmt.Fprintf(w, "  %-*s%s\n", column, left[0], lines[0])
		} else {
			fmt.Fprint(w, wrapNames(left))
			fmt.Fprintf(w, "%s%s\n", pad, lines[0])
		}
		for _, l := range lines[1:] {
			fmt.Fprintf(w, "%s%s\n", pad, l)
		}
	}
}

// defaultNote says where the flag's value comes from when it is not
// given: "default X; env Y".
func defaultNote(f flagSpec) string {
	var parts []string
	if f.def != "" {
		parts = append(parts, "default "+f.def)
	}
	if f.env != "" {
		parts = append(parts, "env "+f.env)
	}
	return strings.Join(parts, "; ")
}

func flagWithArg(f flagSpec) string {
	if f.arg == "" {
		return "--" + f.name
	}
	return "--" + f.name + " " + f.arg
}

// wrapNames lists flags separated by commas, indented, in lines of at most
// helpWidth columns.
func wrapNames(names []string) string {
	var b strings.Builder
	line := " "
	for i, n := range names {
		if i < len(names)-1 {
			n += ","
		}
		if len(line)+1+len(n) > helpWidth && line != " " {
			b.WriteString(line + "\n")
			line = " "
		}
		line += " " + n
	}
	b.WriteString(line + "\n")
	return b.String()
}
