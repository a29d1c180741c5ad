package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// ErrInvalidPrincipal: a policy names as principal a user or role that
// does not exist. IAM and S3 refuse to save such a policy, since it could
// only ever be bound to whoever later takes the name. Binding happens
// where users and roles are known (iam.Service.BindPrincipals).
var ErrInvalidPrincipal = errors.New("policy: invalid principal in policy")

// IsUniqueID reports whether s is an IAM user's (AIDA…) or role's (AROA…)
// unique ID. IAM binds a user or role ARN named as a principal to this ID
// when the policy is saved, and a policy may name the ID itself.
func IsUniqueID(s string) bool {
	if len(s) < 16 || len(s) > 128 || !(strings.HasPrefix(s, "AIDA") || strings.HasPrefix(s, "AROA")) {
		return false
	}
	for i := 4; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// RewriteAWSPrincipals returns doc with every value of an "AWS" principal
// (of a statement's Principal or NotPrincipal) replaced by what fn makes
// of it. Every other byte, formatting included, is kept, so a document
// whose principals fn leaves alone comes back unchanged. doc must already
// be a valid policy (Parse it first); an error from fn is returned as is.
func RewriteAWSPrincipals(doc []byte, fn func(string) (string, error)) ([]byte, error) {
	w := &rewriter{dec: json.NewDecoder(bytes.NewReader(doc)), doc: doc, fn: fn}
	if err := w.value(nil, 0); err != nil {
		return nil, err
	}
	if w.out == nil {
		return doc, nil
	}
	return append(w.out, doc[w.copied:]...), nil
}

// rewriter splices new principal values into a copy of doc as the
// decoder passes them.
type rewriter struct {
	dec    *json.Decoder
	doc    []byte
	out    []byte
	copied int // doc[:copied] is in out already
	fn     func(string) (string, error)
}

// value reads one value at path (object keys from the top; arrays do not
// add to it).
func (w *rewriter) value(path []string, depth int) error {
	if depth > maxDepth {
		return errMsg(msgTooDeep)
	}
	before := int(w.dec.InputOffset())
	tok, err := w.dec.Token()
	if err != nil {
		return errMsg(msgSyntax)
	}
	switch t := tok.(type) {
	case json.Delim:
		return w.container(t, path, depth)
	case string:
		if isAWSPrincipal(path) {
			return w.splice(t, before)
		}
	}
	return nil
}

func (w *rewriter) container(open json.Delim, path []string, depth int) error {
	for w.dec.More() {
		p := path
		if open == '{' {
			k, err := w.dec.Token()
			if err != nil {
				return errMsg(msgSyntax)
			}
			key, _ := k.(string)
			p = append(path[:len(path):len(path)], key)
		}
		if err := w.value(p, depth+1); err != nil {
			return err
		}
	}
	if _, err := w.dec.Token(); err != nil {
		return errMsg(msgSyntax)
	}
	return nil
}

// splice replaces the string token that ends at the decoder's offset (and
// starts at the first quote after before) when fn changes it.
func (w *rewriter) splice(v string, before int) error {
	nv, err := w.fn(v)
	if err != nil || nv == v {
		return err
	}
	end := int(w.dec.InputOffset())
	start := before + bytes.IndexByte(w.doc[before:end], '"')
	enc, err := json.Marshal(nv)
	if err != nil {
		return err
	}
	w.out = append(append(w.out, w.doc[w.copied:start]...), enc...)
	w.copied = end
	return nil
}

// isAWSPrincipal: Statement → Principal or NotPrincipal → AWS.
func isAWSPrincipal(path []string) bool {
	return len(path) == 3 && path[0] == "Statement" &&
		(path[1] == "Principal" || path[1] == "NotPrincipal") && path[2] == "AWS"
}
