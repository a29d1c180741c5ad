package archtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// wallClockFuncs are the functions of package time that read the wall
// clock or wait on it. Outside internal/clock each use must be allowed
// below: a lifetime decision made with one of them could not be moved by
// the fake clock in tests or by --dev-clock, and would disagree with the
// server's lifetime clock.
var wallClockFuncs = []string{"Now", "Since", "Until", "After", "AfterFunc", "Tick", "NewTicker", "NewTimer", "Sleep"}

// wallClockAllowed lists the uses of wallClockFuncs outside internal/clock,
// each with the reason it decides no lifetime. file is relative to the
// repository root; an entry whose file ends in "/" allows a whole folder.
// fn is the enclosing top-level function ("Type.Method" for a method).
var wallClockAllowed = []struct{ file, fn, use, why string }{
	{"internal/server/limits.go", "withBodyIdleTimeout", "Now", "a request body's read deadline is a network deadline"},
	{"internal/server/limits.go", "idleBody.extend", "Now", "a request body's idle deadline is a network deadline"},
	{"internal/server/middleware.go", "withRequest", "Now", "an access-log line's timestamp says when it was written"},
	{"internal/server/server.go", "Server.sweepSessions", "NewTicker", "how often the sweeper runs; what it deletes is judged by the lifetime clock"},
	{"internal/server/lifecycle.go", "Server.sweepLifecycleEvery", "NewTicker", "how often the lifecycle sweeper runs; what is due is judged by the lifetime clock"},
	{"internal/server/revocations.go", "Server.keepRevocations", "NewTicker", "how often the URL denylist is pruned (what is dead is judged by the lifetime clock) and, while the change feed is down, reloaded"},
	{"internal/logbuf/logbuf.go", "Writer.flushEvery", "NewTicker", "how often buffered log lines are written out"},
	{"internal/urluses/urluses.go", "Store.run", "NewTicker", "how often queued uses of presigned links are written out"},
	{"internal/cli/main.go", "Env.now", "Now", "the CLI's default clock when no test injects one; the CLI runs on the user's real time"},
	{"internal/adminclient/client.go", "Client.send", "Now", "the admin client's default signing time, which the server checks against its real clock"},
	{"bench/", "", "", "benchmark and load programs measure wall time; they judge no lifetime"},
	{"internal/meta/postgres/postgres.go", "Store.run", "Sleep", "the backoff between retries of a transaction PostgreSQL aborted is a network delay"},
	{"internal/meta/postgres/feed.go", "feed.run", "NewTimer", "the backoff between the change feed's connection attempts is a network delay"},
}

// wallClockUse is one reference to a wallClockFuncs function.
type wallClockUse struct {
	file, fn, use string
	line          int
}

// TestWallClockOnlyWhereAllowed: no non-test Go file of the module reads
// the wall clock outside internal/clock and wallClockAllowed, and every
// allow-list entry is still used (so the list stays a true inventory).
func TestWallClockOnlyWhereAllowed(t *testing.T) {
	uses := wallClockUses(t, filepath.Join("..", ".."))
	used := make([]bool, len(wallClockAllowed))
	for _, u := range uses {
		if strings.HasPrefix(u.file, "internal/clock/") {
			continue
		}
		i := slices.IndexFunc(wallClockAllowed, func(a struct{ file, fn, use, why string }) bool {
			if strings.HasSuffix(a.file, "/") {
				return strings.HasPrefix(u.file, a.file)
			}
			return a.file == u.file && a.fn == u.fn && a.use == u.use
		})
		if i < 0 {
			t.Errorf("%s:%d (in %s) uses time.%s: lifetime decisions read the injected clock (internal/clock); "+
				"take a clock.Clock, or if this is a network deadline, a log timestamp or a benchmark, add it to wallClockAllowed with its reason",
				u.file, u.line, u.fn, u.use)
			continue
		}
		used[i] = true
	}
	for i, a := range wallClockAllowed {
		if !used[i] {
			t.Errorf("wallClockAllowed entry %s %s time.%s matches no use any more; remove it", a.file, a.fn, a.use)
		}
	}
}

// wallClockUses parses every non-test Go file under root (skipping
// testdata, hidden folders and nested modules) and returns its references
// to wallClockFuncs, called or not (a func value like `now := time.Now`
// counts).
func wallClockUses(t *testing.T, root string) []wallClockUse {
	t.Helper()
	var uses []wallClockUse
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (name == "testdata" || strings.HasPrefix(name, ".") || fileExists(filepath.Join(path, "go.mod"))) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, u := range fileWallClockUses(fset, f) {
			u.file = filepath.ToSlash(rel)
			uses = append(uses, u)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(uses) == 0 {
		t.Fatal("found no use of the wall clock at all, not even internal/clock's: is the walk looking in the right place?")
	}
	return uses
}

// fileWallClockUses returns f's references to wallClockFuncs through its
// import of "time", under whatever name the file gives it.
func fileWallClockUses(fset *token.FileSet, f *ast.File) []wallClockUse {
	timeName := ""
	for _, im := range f.Imports {
		if p, _ := strconv.Unquote(im.Path.Value); p == "time" {
			timeName = "time"
			if im.Name != nil {
				timeName = im.Name.Name
			}
		}
	}
	if timeName == "" || timeName == "_" {
		return nil
	}
	var uses []wallClockUse
	for _, decl := range f.Decls {
		fn := declName(decl)
		ast.Inspect(decl, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == timeName && slices.Contains(wallClockFuncs, sel.Sel.Name) {
				uses = append(uses, wallClockUse{fn: fn, use: sel.Sel.Name, line: fset.Position(sel.Pos()).Line})
			}
			return true
		})
	}
	return uses
}

// declName names a top-level declaration: "F", "T.M" for a method, or
// "var"/"const"/"type" for the others.
func declName(d ast.Decl) string {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil || len(d.Recv.List) == 0 {
			return d.Name.Name
		}
		return fmt.Sprintf("%s.%s", recvTypeName(d.Recv.List[0].Type), d.Name.Name)
	case *ast.GenDecl:
		return d.Tok.String()
	}
	return "?"
}

func recvTypeName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return recvTypeName(e.X)
	case *ast.IndexExpr: // a generic receiver, T[P]
		return recvTypeName(e.X)
	case *ast.IndexListExpr:
		return recvTypeName(e.X)
	case *ast.Ident:
		return e.Name
	}
	return "?"
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// The checker itself: it finds a call, a func value and an aliased import,
// and ignores a file that does not import "time".
func TestWallClockUsesFindsEveryForm(t *testing.T) {
	src := `package p

import (
	"fmt"
	tm "time"
)

type T struct{}

func (*T) M() { _ = tm.Now() }

var clockFn = tm.Since

func F() {
	go func() { <-tm.After(1) }()
	fmt.Println(tm.Duration(1), tm.Unix(0, 0))
}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range fileWallClockUses(fset, f) {
		got = append(got, fmt.Sprintf("%s:%s:%d", u.fn, u.use, u.line))
	}
	want := []string{"T.M:Now:10", "var:Since:12", "F:After:15"}
	if !slices.Equal(got, want) {
		t.Fatalf("uses %q, want %q", got, want)
	}
	f, err = parser.ParseFile(fset, "q.go", "package q\n\nfunc Now() int { return time.Now() }\n", parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	if u := fileWallClockUses(fset, f); len(u) != 0 {
		t.Fatalf("a file without the time import: %v", u)
	}
}
