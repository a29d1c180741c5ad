package awschunked

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strconv"

	"signet/internal/sigv4"
)

// Trailer is one trailing header of an aws-chunked body.
type Trailer struct{ Name, Value string }

// DefaultEncoderChunkSize is the data size of each chunk the encoder
// emits when EncoderConfig.ChunkSize is zero (the size minio-go uses).
const DefaultEncoderChunkSize = 64 << 10

// EncoderConfig describes the body NewEncoder produces. The signing fields
// are those of Config; SeedSignature is the request's SigV4 signature
// computed with x-amz-content-sha256 set to Mode.String().
type EncoderConfig struct {
	Mode          Mode
	ChunkSize     int // data bytes per chunk; 0 = DefaultEncoderChunkSize
	SigningKey    []byte
	AmzDate       string
	Scope         sigv4.Scope
	SeedSignature string
	// Trailers is called once, after body has returned io.EOF, so that a
	// checksum trailer can cover all the data. Used in trailer modes.
	Trailers func() []Trailer
}

// NewEncoder returns a reader producing body in aws-chunked encoding, in
// the layout the AWS documentation gives (CRLF-terminated trailer lines,
// no blank line between the final chunk and the trailers). It holds one
// chunk in memory, because a chunk's signature precedes its data.
func NewEncoder(body io.Reader, cfg EncoderConfig) io.Reader {
	if cfg.ChunkSize <= 0 {
		cfg.ChunkSize = DefaultEncoderChunkSize
	}
	return &encoder{body: body, cfg: cfg, prevSig: cfg.SeedSignature, chunk: make([]byte, cfg.ChunkSize)}
}

type encoder struct {
	body    io.Reader
	cfg     EncoderConfig
	prevSig string
	chunk   []byte
	out     bytes.Buffer
	done    bool
	err     error
}

func (e *encoder) Read(p []byte) (int, error) {
	for e.out.Len() == 0 {
		if e.err != nil {
			return 0, e.err
		}
		if e.done {
			return 0, io.EOF
		}
		e.fill()
	}
	return e.out.Read(p)
}

// fill encodes the next chunk, or the final chunk and trailers, into out.
func (e *encoder) fill() {
	n, err := io.ReadFull(e.body, e.chunk)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		e.err = err
		return
	}
	if n > 0 {
		e.writeChunk(e.chunk[:n])
		if err == nil {
			return
		}
	}
	e.writeChunk(nil)
	if e.cfg.Mode.trailer() {
		var lines []Trailer
		if e.cfg.Trailers != nil {
			lines = e.cfg.Trailers()
		}
		for _, t := range lines {
			e.out.WriteString(t.Name + ":" + t.Value + "\r\n")
		}
		if e.cfg.Mode.signed() {
			e.out.WriteString(trailerSigName + ":" + TrailerSignature(e.cfg.SigningKey, e.cfg.AmzDate, e.cfg.Scope, e.prevSig, lines) + "\r\n")
		}
	}
	e.out.WriteString("\r\n")
	e.done = true
}

func (e *encoder) writeChunk(data []byte) {
	e.out.WriteString(strconv.FormatInt(int64(len(data)), 16))
	if e.cfg.Mode.signed() {
		e.prevSig = ChunkSignature(e.cfg.SigningKey, e.cfg.AmzDate, e.cfg.Scope, e.prevSig, data)
		e.out.WriteString(";" + chunkSigExt + "=" + e.prevSig)
	}
	e.out.WriteString("\r\n")
	if len(data) > 0 {
		e.out.Write(data)
		e.out.WriteString("\r\n")
	}
}

// ChunkSignature computes the signature of one chunk chained from prevSig
// (the seed signature for the first chunk).
func ChunkSignature(key []byte, amzDate string, scope sigv4.Scope, prevSig string, data []byte) string {
	sts := payloadAlgorithm + "\n" + amzDate + "\n" + scope.String() + "\n" + prevSig + "\n" +
		sigv4.EmptySHA256 + "\n" + sigv4.HexSHA256(data)
	return hex.EncodeToString(sigv4.HMAC(key, []byte(sts)))
}

// TrailerSignature computes x-amz-trailer-signature: prevSig is the final
// 0-size chunk's signature and the hashed text is each trailer as
// "name:value\n".
func TrailerSignature(key []byte, amzDate string, scope sigv4.Scope, prevSig string, trailers []Trailer) string {
	h := sha256.New()
	for _, t := range trailers {
		io.WriteString(h, t.Name+":"+t.Value+"\n")
	}
	sts := trailerAlgorithm + "\n" + amzDate + "\n" + scope.String() + "\n" + prevSig + "\n" + hex.EncodeToString(h.Sum(nil))
	m := hmac.New(sha256.New, key)
	io.WriteString(m, sts)
	return hex.EncodeToString(m.Sum(nil))
}

// EncodedLength is the Content-Length of the body NewEncoder produces for
// decodedLen bytes of data, so a client can send Content-Length instead of
// Transfer-Encoding: chunked. Only the lengths of the trailer values
// matter, so placeholders of the right size will do (checksum values have
// a fixed size per algorithm).
func EncodedLength(mode Mode, decodedLen int64, chunkSize int, trailers []Trailer) (int64, error) {
	if !mode.valid() {
		return 0, errors.New("awschunked: unknown mode")
	}
	if decodedLen < 0 {
		return 0, errors.New("awschunked: negative length")
	}
	if chunkSize <= 0 {
		chunkSize = DefaultEncoderChunkSize
	}
	sigExt := int64(0)
	if mode.signed() {
		sigExt = int64(len(";"+chunkSigExt+"=")) + hexSignatureBytes
	}
	header := func(size int64) int64 { return int64(len(strconv.FormatInt(size, 16))) + sigExt + 2 }
	cs := int64(chunkSize)
	full, rest := decodedLen/cs, decodedLen%cs
	n := full * (header(cs) + cs + 2)
	if rest > 0 {
		n += header(rest) + rest + 2
	}
	n += header(0)
	if mode.trailer() {
		for _, t := range trailers {
			n += int64(len(t.Name) + 1 + len(t.Value) + 2)
		}
		if mode.signed() {
			n += int64(len(trailerSigName)+1) + hexSignatureBytes + 2
		}
	}
	return n + 2, nil
}
