package s3api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestEveryCodeHasARow: every constant between codeNone and codeCount has
// a complete row, and no two rows share a wire spelling. (Every row has a
// constant by construction: the table is an array indexed by them.)
func TestEveryCodeHasARow(t *testing.T) {
	if codes[codeNone] != (errSpec{}) {
		t.Errorf("codeNone has a row: %+v", codes[codeNone])
	}
	seen := map[string]errorCode{}
	for c := codeNone + 1; c < codeCount; c++ {
		spec := codes[c]
		if spec.name == "" || spec.message == "" || spec.when == "" || spec.status < 100 || spec.status > 599 {
			t.Errorf("code %d has an incomplete row: %+v", c, spec)
		}
		if prev, dup := seen[spec.name]; dup {
			t.Errorf("codes %d and %d are both %q", prev, c, spec.name)
		}
		seen[spec.name] = c
		if c.String() != spec.name {
			t.Errorf("code %d: String %q, row %q", c, c.String(), spec.name)
		}
	}
}

// TestCodeConstantsSpellTheirCodes reads the table's source: each row's
// key is the constant named after the code the row spells, so codeNoSuchKey
// cannot send "NoSuchKye".
func TestCodeConstantsSpellTheirCodes(t *testing.T) {
	lit := tableLiteral(t)
	rows := 0
	for _, el := range lit.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			t.Fatalf("a row of codes is not keyed by its constant: %T", el)
		}
		key, ok := kv.Key.(*ast.Ident)
		row, ok2 := kv.Value.(*ast.CompositeLit)
		if !ok || !ok2 || len(row.Elts) == 0 {
			t.Fatalf("row %v: want codeX: {\"X\", …}", kv.Key)
		}
		name, ok := row.Elts[0].(*ast.BasicLit)
		if !ok || name.Kind != token.STRING {
			t.Fatalf("row %s: the wire name is not a string literal", key.Name)
		}
		spelt, _ := strconv.Unquote(name.Value)
		// A dotted code (KMS.NotFoundException) drops its dots.
		if key.Name != "code"+strings.ReplaceAll(spelt, ".", "") {
			t.Errorf("row %s spells %q", key.Name, spelt)
		}
		rows++
	}
	if rows != int(codeCount)-1 {
		t.Errorf("%d rows for %d codes", rows, codeCount-1)
	}
}

// tableLiteral finds `var codes = [codeCount]errSpec{…}` in errors.go.
func tableLiteral(t *testing.T) *ast.CompositeLit {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if len(vs.Names) == 1 && vs.Names[0].Name == "codes" && len(vs.Values) == 1 {
				if lit, ok := vs.Values[0].(*ast.CompositeLit); ok {
					return lit
				}
			}
		}
	}
	t.Fatal("errors.go has no codes table")
	return nil
}

// TestNoCodeIsMadeByConversion: a code can be named only by its constant.
// The type system already refuses errorCode("NoSuchKey"); this refuses
// errorCode(n) too, which would bypass the table's names.
func TestNoCodeIsMadeByConversion(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "errorCode" {
					t.Errorf("%s: a code made by conversion", fset.Position(call.Pos()))
				}
			}
			return true
		})
	}
}

// TestEveryTableRowNamesACode: the refusal and domain-error tables name a
// code in every row, so none can send the zero code.
func TestEveryTableRowNamesACode(t *testing.T) {
	for _, rf := range refusals {
		if rf.code <= codeNone || rf.code >= codeCount {
			t.Errorf("refusal %q%q%q has no code", rf.header, rf.param, rf.element)
		}
	}
	for _, d := range domainErrors {
		if d.code <= codeNone || d.code >= codeCount {
			t.Errorf("domain error %v has no code", d.err)
		}
	}
}

// TestErrorDocsCoverEveryCode: docs/errors.md describes every code the
// table, the refusals and the authentication reasons can send.
func TestErrorDocsCoverEveryCode(t *testing.T) {
	documented := map[string]bool{}
	table := codesByName(t)
	for _, d := range ErrorDocs() {
		if row := table[d.Code]; d.API != "S3" || d.Status != row.status || d.Message != row.message || d.When != row.when {
			t.Errorf("ErrorDocs row %+v differs from the table", d)
		}
		documented[d.Code] = true
	}
	sent := []errorCode{}
	for c := codeNone + 1; c < codeCount; c++ {
		sent = append(sent, c)
	}
	for _, rf := range refusals {
		sent = append(sent, rf.code)
	}
	for _, r := range reasons {
		sent = append(sent, r.code)
		if r.headerCode != codeNone {
			sent = append(sent, r.headerCode)
		}
	}
	for _, c := range sent {
		if !documented[c.String()] {
			t.Errorf("%s is sent but not documented", c)
		}
	}
}

func codesByName(t *testing.T) map[string]errSpec {
	t.Helper()
	m := map[string]errSpec{}
	for _, s := range codes {
		m[s.name] = s
	}
	return m
}
