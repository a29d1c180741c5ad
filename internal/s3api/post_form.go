package s3api

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strings"

	"signet/internal/postpolicy"
)

// maxPostPreData is the most the fields and boundaries before the file may
// take (S3: 20 KB, answered with MaxPostPreDataLengthBytes 20480).
const maxPostPreData = 20480

// preDataSlack is how far past maxPostPreData the body may be read while
// the fields are parsed: the multipart reader looks ahead by a buffer, and
// the exact count is kept per part (postForm.preData). It bounds what a
// part's headers can make the parser hold, since those are not values.
const preDataSlack = 64 << 10

// Errors of reading a form; the handler maps them.
var (
	errPreDataTooLarge = errors.New("s3api: POST fields before the file too large")
	errMalformedForm   = errors.New("s3api: POST body is not well-formed multipart/form-data")
	errNoFile          = errors.New("s3api: POST form has no file")
)

// gateReader counts what the multipart parser reads from the body and,
// until the file starts, refuses to read past limit; it keeps the body's
// own error apart from the parser's complaints.
type gateReader struct {
	r     io.Reader
	n     int64
	limit int64 // 0: none
	err   error // the body's error, other than EOF
}

func (g *gateReader) Read(p []byte) (int, error) {
	if g.limit > 0 {
		left := g.limit - g.n
		if left <= 0 {
			return 0, errPreDataTooLarge
		}
		if int64(len(p)) > left {
			p = p[:left]
		}
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	if err != nil && err != io.EOF {
		g.err = err
	}
	return n, err
}

// postForm is a form read up to its file: the fields before it, in order,
// and the file part, positioned at its first byte.
type postForm struct {
	fields   []postpolicy.Field
	file     *multipart.Part
	filename string // the file's name with any path removed
	named    bool   // the file part has a filename parameter
	mr       *multipart.Reader
	gate     *gateReader
	preData  int64
	boundary string
}

// field returns the first value of a field by name, in any case.
func (f *postForm) field(name string) (string, bool) {
	for _, fl := range f.fields {
		if strings.EqualFold(fl.Name, name) {
			return fl.Value, true
		}
	}
	return "", false
}

// formBoundary returns the boundary of a multipart/form-data Content-Type;
// ok is false when the body is not one at all (S3's 412), and boundary ""
// when it has none (MalformedPOSTRequest).
func formBoundary(contentType string) (boundary string, ok bool) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, _, _ = strings.Cut(strings.ToLower(strings.TrimSpace(contentType)), ";")
		return "", strings.TrimSpace(mt) == "multipart/form-data"
	}
	return params["boundary"], mt == "multipart/form-data"
}

// readPostForm streams the form's parts up to the first part named file:
// each value is read whole (they are small, and bounded by
// maxPostPreData), the file is left to be streamed. Part names are
// compared in any case, as S3 compares them; a part whose disposition is
// not form-data is a field without a name, never the file.
func readPostForm(body io.Reader, boundary string) (*postForm, error) {
	g := &gateReader{r: body, limit: maxPostPreData + preDataSlack}
	f := &postForm{mr: multipart.NewReader(g, boundary), gate: g, boundary: boundary}
	for {
		part, err := f.mr.NextPart()
		if err != nil {
			return nil, f.readErr(err)
		}
		f.preData += int64(len(boundary)) + 6 // CRLF "--" boundary CRLF
		for k, vs := range part.Header {
			for _, v := range vs {
				f.preData += int64(len(k)+len(v)) + 4
			}
		}
		f.preData += 2
		if f.preData > maxPostPreData {
			return nil, errPreDataTooLarge
		}
		name := part.FormName()
		if strings.EqualFold(name, "file") {
			f.file = part
			f.filename, f.named = partFilename(part)
			g.limit = 0
			return f, nil
		}
		value, err := io.ReadAll(io.LimitReader(part, maxPostPreData-f.preData+1))
		if err != nil {
			return nil, f.readErr(err)
		}
		f.preData += int64(len(value))
		if f.preData > maxPostPreData {
			return nil, errPreDataTooLarge
		}
		if name != "" {
			f.fields = append(f.fields, postpolicy.Field{Name: name, Value: string(value)})
		}
	}
}

// readErr tells the body's own failure (a timeout, a short body) and the
// size gate apart from a malformed form.
func (f *postForm) readErr(err error) error {
	switch {
	case f.gate.err != nil:
		return f.gate.err
	case errors.Is(err, errPreDataTooLarge):
		return errPreDataTooLarge
	case err == io.EOF:
		return errNoFile
	}
	return errMalformedForm
}

// partFilename returns the file part's filename with any path removed
// (the text after the last / or \), and whether it has one at all: S3
// leaves ${filename} as it is when the part names no file.
func partFilename(p *multipart.Part) (string, bool) {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return "", false
	}
	name, ok := params["filename"]
	if !ok {
		return "", false
	}
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return name, true
}

// expandFilename replaces ${filename} in every field, as S3 does before it
// checks the policy.
func (f *postForm) expandFilename() {
	if !f.named {
		return
	}
	for i := range f.fields {
		f.fields[i].Value = strings.ReplaceAll(f.fields[i].Value, "${filename}", f.filename)
	}
}

// anotherFile reports whether a second part named file follows the first,
// looking at most maxPostPreData bytes further: the fields after the file
// are otherwise ignored, and unread.
func (f *postForm) anotherFile() bool {
	f.gate.limit = f.gate.n + maxPostPreData + preDataSlack
	for {
		part, err := f.mr.NextPart()
		if err != nil {
			return false
		}
		if strings.EqualFold(part.FormName(), "file") {
			return true
		}
	}
}
