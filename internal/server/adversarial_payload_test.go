package server_test

// Adversarial section: payload hashes. A presigned PUT whose signature
// covers a SHA-256 of the body takes that body and no other, however the
// hash was signed (a signed x-amz-content-sha256 header, a signed
// X-Amz-Content-Sha256 parameter, or both) and however the body is framed.

import (
	"net/http"
	"testing"
	"time"

	"signet/internal/sigv4"
)

// presignPinned presigns PUT tgt (which may carry an X-Amz-Content-Sha256
// parameter) with hdr among the signed headers, as a real presigner does.
func (a *advEnv) presignPinned(t *testing.T, tgt string, c sigv4.Credentials, hdr http.Header) string {
	t.Helper()
	u, err := sigv4.Presign(sigv4.PresignInput{
		Method: http.MethodPut, URL: "http://" + a.host + tgt, Credentials: c, Region: region, Service: "s3",
		Time: a.fake.Now(), Expires: time.Hour, Header: hdr, Mode: sigv4.S3,
	})
	if err != nil {
		t.Fatalf("presign PUT %s: %v", tgt, err)
	}
	return target(u)
}

func TestAdversarialPayloadHashes(t *testing.T) {
	a := newAdvEnv(t)
	jewels := advObjects["adv/obj"]
	pinned := sha256HexOf(jewels)
	forged := []byte("a body the signer never saw")
	pinHeader := http.Header{"X-Amz-Content-Sha256": {pinned}}

	rows := []struct {
		name   string
		build  func(t *testing.T) advReq
		status int
		code   string
	}{
		{"signed header, another body", func(t *testing.T) advReq {
			return advReq{method: http.MethodPut, target: a.presignPinned(t, "/adv/obj", a.alice, pinHeader), header: pinHeader.Clone(), body: forged}
		}, 400, "XAmzContentSHA256Mismatch"},
		{"signed query parameter, another body", func(t *testing.T) advReq {
			return advReq{method: http.MethodPut, target: a.presignPinned(t, "/adv/obj?X-Amz-Content-Sha256="+pinned, a.alice, nil), body: forged}
		}, 400, "XAmzContentSHA256Mismatch"},
		{"signed header, the pinned body plus one byte", func(t *testing.T) advReq {
			return advReq{method: http.MethodPut, target: a.presignPinned(t, "/adv/obj", a.alice, pinHeader), header: pinHeader.Clone(), body: append(append([]byte{}, jewels...), '!')}
		}, 400, "XAmzContentSHA256Mismatch"},
		{"signed header, an empty body", func(t *testing.T) advReq {
			return advReq{method: http.MethodPut, target: a.presignPinned(t, "/adv/obj", a.alice, pinHeader), header: pinHeader.Clone(), body: []byte{}}
		}, 400, "XAmzContentSHA256Mismatch"},
		{"signed header, another body in chunked transfer encoding", func(t *testing.T) advReq {
			r := advReq{method: http.MethodPut, target: a.presignPinned(t, "/adv/obj", a.alice, pinHeader), header: pinHeader.Clone()}
			r.raw = []byte("PUT " + r.target + " HTTP/1.1\r\nHost: " + a.host + "\r\nX-Amz-Content-Sha256: " + pinned +
				"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + "1b\r\n" + string(forged) + "\r\n0\r\n\r\n")
			return r
		}, 400, "XAmzContentSHA256Mismatch"},
		{"signed header and parameter that disagree, the parameter's body", func(t *testing.T) advReq {
			other := sha256HexOf(forged)
			return advReq{method: http.MethodPut, target: a.presignPinned(t, "/adv/obj?X-Amz-Content-Sha256="+other, a.alice, pinHeader), header: pinHeader.Clone(), body: forged}
		}, 400, "XAmzContentSHA256Mismatch"},
		{"signed header, the header changed to the forged body's hash", func(t *testing.T) advReq {
			return advReq{method: http.MethodPut, target: a.presignPinned(t, "/adv/obj", a.alice, pinHeader), header: http.Header{"X-Amz-Content-Sha256": {sha256HexOf(forged)}}, body: forged}
		}, 403, "SignatureDoesNotMatch"},
		{"signed header dropped", func(t *testing.T) advReq {
			return advReq{method: http.MethodPut, target: a.presignPinned(t, "/adv/obj", a.alice, pinHeader), body: forged}
		}, 403, "SignatureDoesNotMatch"},
		{"signed parameter is an aws-chunked sentinel", func(t *testing.T) advReq {
			return advReq{method: http.MethodPut, target: a.presignPinned(t, "/adv/obj?X-Amz-Content-Sha256=STREAMING-UNSIGNED-PAYLOAD-TRAILER", a.alice, nil), body: forged}
		}, 400, "InvalidArgument"},
	}
	a.intact(t)
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			a.fake.Set(t0)
			r := a.send(t, row.build(t))
			code, _ := errorCode(r.body)
			if r.status != row.status || code != row.code {
				t.Errorf("want %d %s, got %d %s\n%s", row.status, row.code, r.status, code, r)
			}
			a.intact(t)
		})
	}
	// The baseline: the pinned body itself is taken, under either form.
	a.fake.Set(t0)
	a.mustStatus(t, advReq{method: http.MethodPut, target: a.presignPinned(t, "/adv/obj", a.alice, pinHeader), header: pinHeader.Clone(), body: jewels}, 200)
	a.mustStatus(t, advReq{method: http.MethodPut, target: a.presignPinned(t, "/adv/obj?X-Amz-Content-Sha256="+pinned, a.alice, nil), body: jewels}, 200)
	a.intact(t)
}
