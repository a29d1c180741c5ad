package s3api

import "signet/internal/errdoc"

// ErrorDocs describes every S3 error code signet sends, read from the
// table the server answers with, so docs/errors.md cannot drift from it.
func ErrorDocs() []errdoc.Code {
	out := make([]errdoc.Code, 0, codeCount-1)
	for c := codeNone + 1; c < codeCount; c++ {
		s := codes[c]
		out = append(out, errdoc.Code{API: "S3", Code: s.name, Status: s.status, Message: s.message, When: s.when})
	}
	return out
}
