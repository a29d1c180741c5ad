package cli

import (
	"errors"
	"flag"
	"slices"
	"strings"
	"testing"
)

// TestParseFlagsAnywhere: flags go before, between and after arguments,
// with one dash or two, their value as the next word or after "="; "--"
// ends them.
func TestParseFlagsAnywhere(t *testing.T) {
	cases := []struct {
		args    []string
		pos     []string
		method  string
		headers []string
		json    bool
	}{
		{[]string{"URL"}, []string{"URL"}, "GET", nil, false},
		{[]string{"--offline", "URL"}, []string{"URL"}, "GET", nil, false},
		{[]string{"URL", "--method", "PUT", "--json"}, []string{"URL"}, "PUT", nil, true},
		{[]string{"-method=HEAD", "URL", "-json"}, []string{"URL"}, "HEAD", nil, true},
		{[]string{"--header", "A: 1", "URL", "--header=B: 2"}, []string{"URL"}, "GET", []string{"A", "B"}, false},
		{[]string{"--method", "PUT", "--method", "DELETE", "URL"}, []string{"URL"}, "DELETE", nil, false},
		{[]string{"--json=false", "URL"}, []string{"URL"}, "GET", nil, false},
		{[]string{"URL", "--", "--json", "-"}, []string{"URL", "--json", "-"}, "GET", nil, false},
		{[]string{"-", "URL"}, []string{"-", "URL"}, "GET", nil, false},
	}
	for _, c := range cases {
		var o inspectOpts
		s := inspectSpec(&o)
		pos, err := parseFlags(s.flags, c.args)
		if err != nil {
			t.Errorf("%q: %v", c.args, err)
			continue
		}
		var headers []string
		for name := range o.headers.h {
			headers = append(headers, name)
		}
		slices.Sort(headers)
		if !slices.Equal(pos, c.pos) || o.method != c.method || !slices.Equal(headers, c.headers) || o.json != c.json {
			t.Errorf("%q: pos %q method %q headers %q json %v; want %q %q %q %v", c.args, pos, o.method, headers, o.json, c.pos, c.method, c.headers, c.json)
		}
	}
}

// TestParseFlagsErrors: the messages name flags with two dashes, as help
// does, and come from the parser itself.
func TestParseFlagsErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--colour"}, "flag provided but not defined: --colour"},
		{[]string{"-colour=red"}, "flag provided but not defined: --colour"},
		{[]string{"URL", "--method"}, "flag needs an argument: --method"},
		{[]string{"--json=maybe"}, `invalid boolean value "maybe" for --json: strconv.ParseBool: parsing "maybe": invalid syntax`},
		{[]string{"--header", "no colon"}, `--header "no colon": want 'Name: value', e.g. --header 'Content-Type: image/png'`},
		{[]string{"---json"}, "bad flag syntax: ---json"},
		{[]string{"--=x"}, "bad flag syntax: --=x"},
	}
	for _, c := range cases {
		_, err := parseFlags(inspectSpec(&inspectOpts{}).flags, c.args)
		if err == nil || err.Error() != c.want {
			t.Errorf("%q: error %v; want %q", c.args, err, c.want)
		}
	}
	for _, h := range [][]string{{"--help"}, {"URL", "-h"}, {"-help"}} {
		if _, err := parseFlags(inspectSpec(&inspectOpts{}).flags, h); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%q: %v; want flag.ErrHelp", h, err)
		}
	}
	var n int
	_, err := parseFlags([]flagSpec{{name: "n", arg: "N", value: (*intFlag)(&n)}}, []string{"-n", "x"})
	if err == nil || err.Error() != `--n "x": want a whole number` {
		t.Errorf("bad int: %v", err)
	}
}

// TestFlagsAfterArguments: every command takes its flags after its
// arguments, as docs/cli.md promises; a flag there is parsed, not taken
// for an argument.
func TestFlagsAfterArguments(t *testing.T) {
	var so serverOpts
	if pos, err := parseFlags(serverSpec(&so).flags, []string{"--addr", ":9001", "--dev-clock"}); err != nil || len(pos) != 0 || so.cfg.Addr != ":9001" || !so.cfg.DevClock {
		t.Errorf("server: %q %v %+v", pos, err, so.cfg)
	}
	var po presignOpts
	if pos, err := parseFlags(presignSpec(&po).flags, []string{"s3://b/k", "--expires-in", "1h", "--response-content-type="}); err != nil ||
		!slices.Equal(pos, []string{"s3://b/k"}) || po.expiresIn != "1h" || !po.overrides["response-content-type"].set {
		t.Errorf("presign: %q %v %+v", pos, err, po)
	}
	if code, out, _ := run("version", "--json"); code != 0 || !strings.Contains(out, `"version"`) {
		t.Errorf("version --json: %d %q", code, out)
	}
	// An unknown flag after the argument is an unknown flag, not an argument.
	code, _, errs := run("inspect", "http://h/b/k", "--colour")
	if code != 2 || !strings.Contains(errs, "flag provided but not defined: --colour") {
		t.Errorf("inspect URL --colour: %d %q", code, errs)
	}
}

// TestWriteFlagsGroups: a group of flags is one help entry listing them,
// wrapped, with the help below at the column.
func TestWriteFlagsGroups(t *testing.T) {
	var b strings.Builder
	writeFlags(&b, []flagSpec{
		{name: "alpha", arg: "A", help: "first"},
		{name: "response-one", arg: "VALUE", group: "r", help: "shared"},
		{name: "response-two", arg: "VALUE", group: "r", help: "ignored: the group's first help counts"},
		{name: "zeta", help: "two\nlines", def: "on", env: "ZETA"},
	}, 12)
	want := "  --alpha A   first\n" +
		"  --response-one VALUE, --response-two VALUE\n" +
		"              shared\n" +
		"  --zeta      two\n" +
		"              lines (default on; env ZETA)\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
