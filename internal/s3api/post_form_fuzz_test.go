package s3api

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"signet/internal/postpolicy"
)

// FuzzPostForm feeds arbitrary bodies to the form reader and the policy
// decoder, as a hostile browser form would reach them: neither may panic,
// the reader fails only with its own errors, never reads more than the
// pre-file allowance before the file, and what it returns is within the
// 20480-byte limit.
func FuzzPostForm(f *testing.F) {
	const b = "XyZ"
	policy := postpolicy.Encode([]byte(`{"expiration": "2030-01-01T00:00:00Z", "conditions": [{"key": "k"}, ["content-length-range", 0, 10]]}`))
	f.Add(b, []byte("--"+b+"\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--"+b+"\r\nContent-Disposition: form-data; name=\"policy\"\r\n\r\n"+policy+"\r\n--"+b+"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a/b.txt\"\r\n\r\nhello\r\n--"+b+"--\r\n"))
	f.Add(b, []byte("--"+b+"\r\nContent-Disposition: form-data; name=\"FILE\"\r\n\r\nx\r\n--"+b+"\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\ny\r\n--"+b+"--"))
	f.Add(b, []byte("--"+b+"\r\nContent-Disposition: attachment; name=\"file\"\r\n\r\nx\r\n--"+b+"--"))
	f.Add(b, []byte("preamble\r\n--"+b+"\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\na=3Db\r\n--"+b))
	f.Add("", []byte("--\r\n\r\n"))
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		if boundary == "" {
			return // the handler refuses a form without one before reading
		}
		form, err := readPostForm(bytes.NewReader(body), boundary)
		if err != nil {
			if !errors.Is(err, errPreDataTooLarge) && !errors.Is(err, errMalformedForm) && !errors.Is(err, errNoFile) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if form.preData > maxPostPreData {
			t.Fatalf("returned a form whose fields take %d bytes", form.preData)
		}
		if form.gate.n > maxPostPreData+preDataSlack {
			t.Fatalf("read %d bytes before the file", form.gate.n)
		}
		form.expandFilename()
		if p, ok := form.field("policy"); ok {
			if pol, err := postpolicy.Decode(p); err == nil {
				_ = pol.Check(postpolicy.Form{Bucket: "b", Fields: form.fields})
			}
		}
		// A truncated or malformed file part ends the upload with an
		// error; it must not panic.
		_, _ = io.Copy(io.Discard, form.file)
		_ = form.anotherFile()
	})
}
