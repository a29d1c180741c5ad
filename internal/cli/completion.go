package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// compFlag is one flag as shell completion sees it.
type compFlag struct {
	name    string // without dashes
	help    string
	value   bool     // takes a value (the next word)
	file    bool     // the value is a file
	dir     bool     // the value is a directory
	choices []string // the values it takes, when they are few
}

var completionShells = []string{"bash", "zsh", "fish"}

var helpFlag = compFlag{name: "help", help: "show the command's help"}

// compNode is a point in the command tree: the words typed after
// "signet" to reach it, what may be typed next, and the flags of the
// command there.
type compNode struct {
	path  string // e.g. "admin user create"; "" is signet itself
	next  [][2]string
	flags []compFlag
	leaf  bool // a runnable command: positional arguments may follow
}

// completionTree walks the command specs: top-level commands, admin
// groups and verbs, each command's flags.
func completionTree() []compNode {
	root := compNode{}
	var nodes []compNode
	for _, c := range commands() {
		root.next = append(root.next, [2]string{c.name, c.summary})
		if c.spec == nil {
			continue // admin: its groups and verbs follow
		}
		s := c.spec()
		n := compNode{path: s.path, leaf: true, flags: compFlags(s)}
		for _, a := range s.argChoices {
			n.next = append(n.next, [2]string{a, "print the " + a + " completion script"})
		}
		nodes = append(nodes, n)
	}
	root.next = append(root.next, [2]string{"help", "list the commands"})
	admin := compNode{path: "admin", flags: []compFlag{helpFlag}}
	for _, g := range adminGroups {
		admin.next = append(admin.next, [2]string{g.name, g.summary})
		group := compNode{path: "admin " + g.name, flags: []compFlag{helpFlag}}
		for _, c := range adminCommands() {
			if c.group != g.name {
				continue
			}
			group.next = append(group.next, [2]string{c.verb, c.summary})
			s := c.spec(&adminOpts{})
			nodes = append(nodes, compNode{path: s.path, leaf: true, flags: compFlags(s)})
		}
		nodes = append(nodes, group)
	}
	return append([]compNode{root, admin}, nodes...)
}

// compFlags are a command's flags as completion offers them, --help last.
func compFlags(s *cmdSpec) []compFlag {
	var fs []compFlag
	for _, f := range s.flags {
		fs = append(fs, compFlag{name: f.name, help: f.compHelp(), value: !f.isSwitch(), file: f.file, dir: f.dir, choices: f.choices})
	}
	return append(fs, helpFlag)
}

// flagsWhere returns the names of every flag, across commands, for which
// keep is true, each once, sorted.
func flagsWhere(nodes []compNode, keep func(compFlag) bool) []string {
	var out []string
	for _, n := range nodes {
		for _, f := range n.flags {
			if keep(f) && !slices.Contains(out, "--"+f.name) {
				out = append(out, "--"+f.name)
			}
		}
	}
	slices.Sort(out)
	return out
}

// flagChoices maps each flag with a fixed set of values to them. Flags
// share a name across commands only when they mean the same, so one
// list per name is enough.
func flagChoices(nodes []compNode) [][2]string {
	var out [][2]string
	seen := map[string]bool{}
	for _, n := range nodes {
		for _, f := range n.flags {
			if len(f.choices) > 0 && !seen[f.name] {
				seen[f.name] = true
				out = append(out, [2]string{"--" + f.name, strings.Join(f.choices, " ")})
			}
		}
	}
	slices.SortFunc(out, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return out
}

// completionSpec declares signet completion.
func completionSpec() *cmdSpec {
	return &cmdSpec{
		path:  "completion",
		usage: "bash|zsh|fish",
		about: `Prints a completion script for the shell: signet's commands, the admin
groups and their commands, and each command's flags (with file names for
flags that take a file, and the values of --method and --log-level).`,
		examples: []string{
			`echo 'source <(signet completion bash)' >> ~/.bashrc`,
			`echo 'source <(signet completion zsh)' >> ~/.zshrc    # zsh, after compinit`,
			`signet completion zsh > "${fpath[1]}/_signet"         # or on zsh's fpath`,
			`signet completion fish > ~/.config/fish/completions/signet.fish`,
		},
		footer: "Regenerate after upgrading signet. Exit status: 0 done, 2 usage error.",
		// The shell is checked by runCompletion, which answers a wrong one
		// with the whole usage.
		args:       func([]string) error { return nil },
		argChoices: completionShells,
	}
}

func runCompletion(env Env) int {
	spec := completionSpec()
	pos, code, done := parseCommand(env, spec)
	if done {
		return code
	}
	if len(pos) != 1 {
		writeHelp(env.Stderr, spec)
		return 2
	}
	if pos[0] == "help" {
		writeHelp(env.Stdout, spec)
		return 0
	}
	nodes := completionTree()
	switch pos[0] {
	case "bash":
		writeBashCompletion(env.Stdout, nodes)
	case "zsh":
		writeZshCompletion(env.Stdout, nodes)
	case "fish":
		writeFishCompletion(env.Stdout, nodes)
	default:
		fmt.Fprintf(env.Stderr, "signet completion: unknown shell %q: bash, zsh or fish\n\n", pos[0])
		writeHelp(env.Stderr, spec)
		return 2
	}
	return 0
}

// shQuote quotes s for a POSIX shell (bash, zsh) in single quotes.
func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// fishQuote quotes s for fish, whose single quotes escape \ and '.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func words(pairs [][2]string) string {
	var ws []string
	for _, p := range pairs {
		ws = append(ws, p[0])
	}
	return strings.Join(ws, " ")
}

func flagNames(fs []compFlag) string {
	var ws []string
	for _, f := range fs {
		ws = append(ws, "--"+f.name)
	}
	return strings.Join(ws, " ")
}

// caseArm is one arm of the shell case statement that picks what to
// offer for a command path.
type caseArm struct {
	pattern string
	next    [][2]string
	flags   []compFlag
}

// caseArms match a node's command path exactly, and for a runnable
// command also followed by its arguments, where only flags are offered.
func caseArms(n compNode) []caseArm {
	exact := `"` + n.path + `"`
	more := `"` + n.path + ` "*`
	switch {
	case !n.leaf:
		return []caseArm{{exact, n.next, n.flags}}
	case len(n.next) > 0:
		return []caseArm{{exact, n.next, n.flags}, {more, nil, n.flags}}
	}
	return []caseArm{{exact + "|" + more, nil, n.flags}}
}

func writeBashCompletion(w io.Writer, nodes []compNode) {
	valueFlags := flagsWhere(nodes, func(f compFlag) bool { return f.value })
	fileFlags := flagsWhere(nodes, func(f compFlag) bool { return f.file })
	dirFlags := flagsWhere(nodes, func(f compFlag) bool { return f.dir })
	fmt.Fprintf(w, `# bash completion for signet; generated by 'signet completion bash'.
# Install: echo 'source <(signet completion bash)' >> ~/.bashrc

_signet() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev=""
    ((COMP_CWORD > 0)) && prev="${COMP_WORDS[COMP_CWORD-1]}"
    # The command path: the words typed so far that are neither flags nor
    # flag values.
    local -a pos=()
    local i w skip=0
    for ((i = 1; i < COMP_CWORD; i++)); do
        w="${COMP_WORDS[i]}"
        if ((skip)); then skip=0; continue; fi
        case "$w" in
            %s) skip=1 ;;
            -*) ;;
            *) pos+=("$w") ;;
        esac
    done
    case "$prev" in
        %s) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        %s) COMPREPLY=($(compgen -d -- "$cur")); return ;;
`, strings.Join(valueFlags, "|"), strings.Join(fileFlags, "|"), strings.Join(dirFlags, "|"))
	for _, c := range flagChoices(nodes) {
		fmt.Fprintf(w, "        %s) COMPREPLY=($(compgen -W %s -- \"$cur\")); return ;;\n", c[0], shQuote(c[1]))
	}
	fmt.Fprintf(w, `        %s) return ;;
    esac
    local next="" flags=""
    case "${pos[*]}" in
`, strings.Join(valueFlags, "|"))
	for _, n := range nodes {
		for _, a := range caseArms(n) {
			fmt.Fprintf(w, "        %s) next=%s; flags=%s ;;\n", a.pattern, shQuote(words(a.next)), shQuote(flagNames(a.flags)))
		}
	}
	fmt.Fprint(w, `    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "$next" -- "$cur"))
    fi
}
complete -F _signet signet
`)
}

func writeZshCompletion(w io.Writer, nodes []compNode) {
	valueFlags := flagsWhere(nodes, func(f compFlag) bool { return f.value })
	fileFlags := flagsWhere(nodes, func(f compFlag) bool { return f.file })
	dirFlags := flagsWhere(nodes, func(f compFlag) bool { return f.dir })
	fmt.Fprintf(w, `#compdef signet
# zsh completion for signet; generated by 'signet completion zsh'.
# Install: echo 'source <(signet completion zsh)' >> ~/.zshrc (after compinit),
# or: signet completion zsh > "${fpath[1]}/_signet"

_signet() {
    # The command path: the words typed so far that are neither flags nor
    # flag values.
    local -a pos
    local i w skip=0
    for ((i = 2; i < CURRENT; i++)); do
        w=${words[i]}
        if ((skip)); then skip=0; continue; fi
        case $w in
            (%s) skip=1 ;;
            (-*) ;;
            (*) pos+=("$w") ;;
        esac
    done
    case ${words[CURRENT-1]} in
        (%s) _files; return ;;
        (%s) _files -/; return ;;
`, strings.Join(valueFlags, "|"), strings.Join(fileFlags, "|"), strings.Join(dirFlags, "|"))
	for _, c := range flagChoices(nodes) {
		fmt.Fprintf(w, "        (%s) compadd -- %s; return ;;\n", c[0], c[1])
	}
	fmt.Fprintf(w, `        (%s) _message 'value'; return ;;
    esac
    local -a next flags
    case "${pos[*]}" in
`, strings.Join(valueFlags, "|"))
	for _, n := range nodes {
		for _, a := range caseArms(n) {
			var nx, fl []string
			for _, p := range a.next {
				nx = append(nx, shQuote(p[0]+":"+p[1]))
			}
			for _, f := range a.flags {
				fl = append(fl, shQuote("--"+f.name+":"+f.help))
			}
			fmt.Fprintf(w, "        (%s) next=(%s); flags=(%s) ;;\n", a.pattern, strings.Join(nx, " "), strings.Join(fl, " "))
		}
	}
	fmt.Fprint(w, `    esac
    if [[ ${words[CURRENT]} == -* ]]; then
        _describe -t flags 'flag' flags
    elif (( ${#next} )); then
        _describe -t commands 'command' next
    fi
}

if [[ "$funcstack[1]" == _signet ]]; then
    _signet "$@"
else
    compdef _signet signet
fi
`)
}

func writeFishCompletion(w io.Writer, nodes []compNode) {
	valueFlags := flagsWhere(nodes, func(f compFlag) bool { return f.value })
	fmt.Fprintf(w, `# fish completion for signet; generated by 'signet completion fish'.
# Install: signet completion fish > ~/.config/fish/completions/signet.fish

# The command path: the words typed so far that are neither flags nor flag
# values.
function __signet_path
    set -l toks (commandline -opc)
    set -e toks[1]
    set -l skip 0
    for t in $toks
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $t
            case %s
                set skip 1
            case '-*'
            case '*'
                echo $t
        end
    end
end

# True when the command path is exactly $argv.
function __signet_at
    set -l p (__signet_path)
    test "$p" = "$argv"
end

# True when the command path starts with $argv.
function __signet_in
    set -l p (__signet_path)
    set -l n (count $argv)
    test (count $p) -ge $n; and test "$p[1..$n]" = "$argv"
end

complete -c signet -f
`, strings.Join(valueFlags, " "))
	for _, n := range nodes {
		at := fishQuote(strings.TrimSpace("__signet_at " + n.path))
		for _, p := range n.next {
			fmt.Fprintf(w, "complete -c signet -n %s -a %s -d %s\n", at, fishQuote(p[0]), fishQuote(p[1]))
		}
		cond := at
		if n.leaf {
			cond = fishQuote("__signet_in " + n.path)
		}
		for _, f := range n.flags {
			extra := ""
			switch {
			case f.file:
				extra = " -r -F"
			case f.dir:
				extra = " -x -a '(__fish_complete_directories)'"
			case len(f.choices) > 0:
				extra = " -x -a " + fishQuote(strings.Join(f.choices, " "))
			case f.value:
				extra = " -x" // a value to type: offer nothing, not files
			}
			fmt.Fprintf(w, "complete -c signet -n %s -l %s%s -d %s\n", cond, f.name, extra, fishQuote(f.help))
		}
	}
}
