// Package awschunked decodes (server side) and encodes (client side, for
// tests and the CLI) the aws-chunked content encoding that S3 clients use
// for streaming uploads: chained chunk signatures
// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), the same plus a signed trailer
// (…-PAYLOAD-TRAILER), and unsigned chunks with a trailer
// (STREAMING-UNSIGNED-PAYLOAD-TRAILER).
//
// The decoder streams: it hands data to the caller as it arrives and keeps
// only a fixed bufio buffer, whatever the chunk or body size. A chunk's
// signature can only be checked once its last byte has been read, so a
// caller sees up to one chunk of not-yet-verified bytes; it must treat the
// upload as failed on any error and may trust the bytes only once Read has
// returned io.EOF, which happens only after every signature and the
// trailer have been verified.
package awschunked

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"

	"signet/internal/sigv4"
)

// Mode is the aws-chunked variant, chosen by x-amz-content-sha256.
type Mode int

// The three aws-chunked variants a server must accept.
const (
	Signed          Mode = iota + 1 // STREAMING-AWS4-HMAC-SHA256-PAYLOAD
	SignedTrailer                   // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
	UnsignedTrailer                 // STREAMING-UNSIGNED-PAYLOAD-TRAILER
)

// The x-amz-content-sha256 sentinels that select each mode.
const (
	ContentSHA256Signed          = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	ContentSHA256SignedTrailer   = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	ContentSHA256UnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// ModeFor maps an x-amz-content-sha256 value to its aws-chunked mode. The
// SigV4A (ECDSA) variants are not supported and report false, like any
// other value.
func ModeFor(contentSHA256 string) (Mode, bool) {
	switch contentSHA256 {
	case ContentSHA256Signed:
		return Signed, true
	case ContentSHA256SignedTrailer:
		return SignedTrailer, true
	case ContentSHA256UnsignedTrailer:
		return UnsignedTrailer, true
	}
	return 0, false
}

// String returns the x-amz-content-sha256 value of m.
func (m Mode) String() string {
	switch m {
	case Signed:
		return ContentSHA256Signed
	case SignedTrailer:
		return ContentSHA256SignedTrailer
	case UnsignedTrailer:
		return ContentSHA256UnsignedTrailer
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

func (m Mode) signed() bool  { return m == Signed || m == SignedTrailer }
func (m Mode) trailer() bool { return m == SignedTrailer || m == UnsignedTrailer }
func (m Mode) valid() bool   { return m >= Signed && m <= UnsignedTrailer }

// Errors returned by Reader.Read, wrapped with detail. Callers map them to
// S3 codes: ErrChunkSignatureMismatch and ErrTrailerSignatureMismatch to
// SignatureDoesNotMatch, the others to IncompleteBody / InvalidRequest /
// MalformedTrailerError as they see fit.
var (
	ErrMalformed                = errors.New("awschunked: malformed aws-chunked body")
	ErrChunkSignatureMismatch   = errors.New("awschunked: chunk signature mismatch")
	ErrTrailerSignatureMismatch = errors.New("awschunked: trailer signature mismatch")
	ErrUnexpectedTrailer        = errors.New("awschunked: unexpected trailer")
	ErrMissingTrailer           = errors.New("awschunked: missing trailer")
	ErrChunkTooLarge            = errors.New("awschunked: chunk too large")
)

// DefaultMaxChunkSize bounds a chunk's declared size when Config leaves
// MaxChunkSize at zero. It is 5 GiB, S3's largest single PUT or part,
// rather than something small: aws-sdk-go-v2 sends a body of known length
// as one chunk, and the decoder's memory does not depend on chunk size.
const DefaultMaxChunkSize = 5 << 30

// Limits that keep a hostile body from making the decoder buffer or spin.
const (
	readerBufSize   = 32 << 10 // the only buffer that holds body bytes
	maxTrailerBytes = 16 << 10 // total size of the trailer section
	maxTrailerLines = 64       // lines, including blank ones, after the final chunk
)

const (
	chunkSigExt       = "chunk-signature"
	trailerSigName    = "x-amz-trailer-signature"
	payloadAlgorithm  = "AWS4-HMAC-SHA256-PAYLOAD"
	trailerAlgorithm  = "AWS4-HMAC-SHA256-TRAILER"
	hexSignatureBytes = 2 * sha256.Size
)

// emptyHashLine is the constant middle of every chunk string to sign; a
// package variable so writing it does not allocate per chunk.
var emptyHashLine = []byte("\n" + sigv4.EmptySHA256 + "\n")

// Config describes one aws-chunked body.
type Config struct {
	Mode          Mode
	SigningKey    []byte      // signed modes: the SigV4 key of the request's scope
	AmzDate       string      // signed modes: X-Amz-Date of the request
	Scope         sigv4.Scope // signed modes: the request's credential scope
	SeedSignature string      // signed modes: the request's own SigV4 signature
	Trailers      []string    // trailer modes: names from x-amz-trailer, lower-case
	MaxChunkSize  int64       // 0 = DefaultMaxChunkSize
}

type state int

const (
	stateHeader state = iota // next: a chunk header line
	stateData                // inside a chunk's data
	stateDone                // io.EOF delivered or ready
)

// Reader decodes an aws-chunked body. It is not safe for concurrent use.
type Reader struct {
	br  *bufio.Reader
	cfg Config

	state     state
	remaining int64 // data bytes left in the current chunk
	claimed   [hexSignatureBytes]byte
	prevSig   [hexSignatureBytes]byte // chains chunk signatures; starts as the seed

	// Reused on every chunk so a body of many chunks does not allocate per
	// chunk.
	sha    hash.Hash // sha256 of the current chunk's data
	mac    hash.Hash // HMAC-SHA256 keyed with the signing key
	prefix []byte    // "<algorithm>\n<date>\n<scope>\n", constant per request
	sumBuf [sha256.Size]byte
	hexBuf [hexSignatureBytes]byte

	trailers map[string]string
	err      error
}

// NewReader returns a Reader decoding body according to cfg. Configuration
// problems (an unknown mode, a seed signature that is not 64 hex digits)
// surface as an ErrMalformed from the first Read, so that callers have one
// error path.
func NewReader(body io.Reader, cfg Config) *Reader {
	r := &Reader{br: bufio.NewReaderSize(body, readerBufSize), cfg: cfg}
	if r.cfg.MaxChunkSize <= 0 {
		r.cfg.MaxChunkSize = DefaultMaxChunkSize
	}
	switch {
	case !cfg.Mode.valid():
		r.err = fmt.Errorf("%w: unknown mode %d", ErrMalformed, cfg.Mode)
	case cfg.Mode.signed():
		if len(cfg.SeedSignature) != hexSignatureBytes || !isLowerHex(cfg.SeedSignature) {
			r.err = fmt.Errorf("%w: seed signature is not 64 lower-case hex digits", ErrMalformed)
			break
		}
		copy(r.prevSig[:], cfg.SeedSignature)
		r.sha = sha256.New()
		r.mac = hmac.New(sha256.New, cfg.SigningKey)
		r.prefix = []byte(payloadAlgorithm + "\n" + cfg.AmzDate + "\n" + cfg.Scope.String() + "\n")
	}
	return r
}

// Trailers returns the trailers received, by lower-case name, once Read has
// returned io.EOF; before that it returns nil. The values are as sent
// (trimmed); checking a checksum trailer against the data is the caller's
// job.
func (r *Reader) Trailers() map[string]string {
	if r.state != stateDone || r.err != io.EOF {
		return nil
	}
	if r.trailers == nil {
		return map[string]string{}
	}
	return r.trailers
}

// Read implements io.Reader over the decoded bytes. Any error other than
// io.EOF is sticky and means the whole upload must be discarded.
func (r *Reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	for {
		switch r.state {
		case stateHeader:
			if err := r.readChunkHeader(); err != nil {
				return 0, r.fail(err)
			}
		case stateData:
			n, err := r.readData(p)
			if err != nil {
				return n, r.fail(err)
			}
			if n > 0 {
				return n, nil
			}
		case stateDone:
			r.err = io.EOF
			return 0, io.EOF
		}
	}
}

func (r *Reader) fail(err error) error {
	r.err = err
	return err
}

// readData copies at most one read's worth of the current chunk into p and,
// when the chunk is complete, consumes its CRLF and verifies its signature.
func (r *Reader) readData(p []byte) (int, error) {
	if int64(len(p)) > r.remaining {
		p = p[:r.remaining]
	}
	n, err := r.br.Read(p)
	if n > 0 {
		r.remaining -= int64(n)
		if r.sha != nil {
			r.sha.Write(p[:n])
		}
	}
	if r.remaining > 0 {
		if err == io.EOF {
			return n, fmt.Errorf("%w: body ends inside a chunk, %d bytes missing: %w", ErrMalformed, r.remaining, io.ErrUnexpectedEOF)
		}
		return n, err
	}
	if err != nil && err != io.EOF {
		return n, err
	}
	if err := r.expectCRLF(); err != nil {
		return n, err
	}
	if r.cfg.Mode.signed() {
		if err := r.verifyChunk(); err != nil {
			return n, err
		}
	}
	r.state = stateHeader
	return n, nil
}

// expectCRLF consumes the CRLF that ends a chunk's data. Unlike header
// lines, a lone LF is not accepted here: with a size one too large, the
// data would swallow the CR and the LF would still end the chunk, silently
// corrupting an unsigned upload.
func (r *Reader) expectCRLF() error {
	// Two ReadByte calls rather than io.ReadFull into an array, which
	// would escape to the heap on every chunk.
	cr, err := r.br.ReadByte()
	var lf byte
	if err == nil {
		lf, err = r.br.ReadByte()
	}
	switch {
	case err == io.EOF:
		return fmt.Errorf("%w: body ends before the CRLF after chunk data: %w", ErrMalformed, io.ErrUnexpectedEOF)
	case err != nil:
		return err
	case cr != '\r' || lf != '\n':
		return fmt.Errorf("%w: chunk data not followed by CRLF (chunk size does not match data)", ErrMalformed)
	}
	return nil
}

// readLine returns the next line without its LF or CRLF. The slice is only
// valid until the next read. atEOF reports a clean end of body before any
// byte of the line.
func (r *Reader) readLine() (line []byte, atEOF bool, err error) {
	line, err = r.br.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		return nil, false, fmt.Errorf("%w: line longer than %d bytes", ErrMalformed, readerBufSize)
	case err == io.EOF && len(line) == 0:
		return nil, true, nil
	case err == io.EOF:
		return nil, false, fmt.Errorf("%w: body ends inside a line: %w", ErrMalformed, io.ErrUnexpectedEOF)
	case err != nil:
		return nil, false, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, false, nil
}

// readChunkHeader parses "hex-size[;ext[=value]]…". Chunk extensions other
// than chunk-signature are tolerated and ignored, as RFC 9112 requires.
func (r *Reader) readChunkHeader() error {
	line, atEOF, err := r.readLine()
	if err != nil {
		return err
	}
	if atEOF {
		return fmt.Errorf("%w: body ends before the final 0-size chunk: %w", ErrMalformed, io.ErrUnexpectedEOF)
	}
	sizeField, exts, _ := bytes.Cut(line, []byte{';'})
	sizeField = bytes.TrimRight(sizeField, " \t")
	size, err := parseHexSize(sizeField)
	if err != nil {
		return err
	}
	if size > r.cfg.MaxChunkSize {
		return fmt.Errorf("%w: chunk of %d bytes exceeds the limit of %d", ErrChunkTooLarge, size, r.cfg.MaxChunkSize)
	}
	sig, err := chunkSignature(exts)
	if err != nil {
		return err
	}
	if r.cfg.Mode.signed() {
		if sig == nil {
			return fmt.Errorf("%w: chunk header has no chunk-signature", ErrMalformed)
		}
		if len(sig) != hexSignatureBytes {
			return fmt.Errorf("%w: chunk-signature is %d characters, want 64", ErrChunkSignatureMismatch, len(sig))
		}
		copy(r.claimed[:], sig)
		r.sha.Reset()
	}
	if size > 0 {
		r.remaining = size
		r.state = stateData
		return nil
	}
	// The final chunk: its signature covers empty data and is the previous
	// signature for the trailer.
	if r.cfg.Mode.signed() {
		if err := r.verifyChunk(); err != nil {
			return err
		}
	}
	if err := r.readTrailerSection(); err != nil {
		return err
	}
	r.state = stateDone
	return nil
}

func parseHexSize(b []byte) (int64, error) {
	// At most 15 hex digits, so the value fits in an int64 without overflow
	// checks; that is already far beyond any chunk limit. Parsed by hand
	// because strconv would need a string conversion per chunk.
	if len(b) == 0 || len(b) > 15 {
		return 0, fmt.Errorf("%w: bad chunk size %q", ErrMalformed, truncate(b))
	}
	var n int64
	for _, c := range b {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, fmt.Errorf("%w: bad chunk size %q", ErrMalformed, truncate(b))
		}
		n = n<<4 | int64(d)
	}
	return n, nil
}

// chunkSignature finds the chunk-signature extension. It returns nil when
// absent and an error when given twice, so a client cannot smuggle a second
// value past a proxy that reads the first.
func chunkSignature(exts []byte) ([]byte, error) {
	var sig []byte
	for len(exts) > 0 {
		var ext []byte
		ext, exts, _ = bytes.Cut(exts, []byte{';'})
		name, value, _ := bytes.Cut(ext, []byte{'='})
		if !bytes.EqualFold(bytes.TrimSpace(name), []byte(chunkSigExt)) {
			continue
		}
		if sig != nil {
			return nil, fmt.Errorf("%w: chunk-signature given twice", ErrMalformed)
		}
		sig = bytes.TrimSpace(value)
		if sig == nil {
			sig = []byte{}
		}
	}
	return sig, nil
}

// verifyChunk checks the claimed signature of the chunk whose data has
// been hashed into r.sha, then makes it the previous signature.
func (r *Reader) verifyChunk() error {
	r.mac.Reset()
	r.mac.Write(r.prefix)
	r.mac.Write(r.prevSig[:])
	r.mac.Write(emptyHashLine)
	hex.Encode(r.hexBuf[:], r.sha.Sum(r.sumBuf[:0]))
	r.mac.Write(r.hexBuf[:])
	hex.Encode(r.hexBuf[:], r.mac.Sum(r.sumBuf[:0]))
	if !hmac.Equal(r.hexBuf[:], r.claimed[:]) {
		return fmt.Errorf("%w: chunk-signature %s", ErrChunkSignatureMismatch, r.claimed[:])
	}
	r.prevSig = r.claimed
	return nil
}

// readTrailerSection reads everything after the final chunk's header up to
// the end of the body. Clients disagree on the exact layout, so blank lines
// are skipped wherever they appear:
//
//	AWS docs, aws-sdk-go-v2:  0[;sig]\r\n name:value\r\n [x-amz-trailer-signature:s\r\n] \r\n
//	minio-go:                 0[;sig]\r\n name:value\n \r\n [x-amz-trailer-signature:s\r\n] \r\n
//	Signed without trailer:   0;sig\r\n \r\n
//
// The body must end after the trailer section; bytes other than blank
// lines after it are malformed.
func (r *Reader) readTrailerSection() error {
	var (
		signedLines []byte // "name:value\n" per trailer line, for the trailer signature
		sigSeen     bool
		total       int
	)
	for lines := 0; ; lines++ {
		if lines >= maxTrailerLines {
			return fmt.Errorf("%w: more than %d lines after the final chunk", ErrMalformed, maxTrailerLines)
		}
		line, atEOF, err := r.readLine()
		if err != nil {
			return err
		}
		if atEOF {
			break
		}
		total += len(line) + 2
		if total > maxTrailerBytes {
			return fmt.Errorf("%w: trailer section larger than %d bytes", ErrMalformed, maxTrailerBytes)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if sigSeen {
			return fmt.Errorf("%w: data after x-amz-trailer-signature", ErrMalformed)
		}
		rawName, rawValue, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			return fmt.Errorf("%w: trailer line without ':'", ErrMalformed)
		}
		name := strings.ToLower(string(bytes.TrimSpace(rawName)))
		value := string(bytes.TrimSpace(rawValue))
		if name == "" {
			return fmt.Errorf("%w: trailer with empty name", ErrMalformed)
		}
		if name == trailerSigName {
			if r.cfg.Mode != SignedTrailer {
				return fmt.Errorf("%w: %s in mode %s", ErrUnexpectedTrailer, trailerSigName, r.cfg.Mode)
			}
			if err := r.verifyTrailer(signedLines, value); err != nil {
				return err
			}
			sigSeen = true
			continue
		}
		if !r.cfg.Mode.trailer() || !r.expected(name) {
			return fmt.Errorf("%w: %q is not announced in x-amz-trailer", ErrUnexpectedTrailer, name)
		}
		if _, dup := r.trailers[name]; dup {
			return fmt.Errorf("%w: trailer %q given twice", ErrMalformed, name)
		}
		if r.trailers == nil {
			r.trailers = make(map[string]string, len(r.cfg.Trailers))
		}
		r.trailers[name] = value
		// The signature covers each trailer line as sent, terminated by a
		// single LF (minio-go and the AWS SDKs both sign "name:value\n").
		signedLines = append(signedLines, line...)
		signedLines = append(signedLines, '\n')
	}
	if r.cfg.Mode == SignedTrailer && !sigSeen {
		return fmt.Errorf("%w: no x-amz-trailer-signature after the trailers", ErrMalformed)
	}
	for _, want := range r.cfg.Trailers {
		if _, ok := r.trailers[strings.ToLower(want)]; !ok {
			return fmt.Errorf("%w: %q announced in x-amz-trailer but not sent", ErrMissingTrailer, want)
		}
	}
	return nil
}

func (r *Reader) expected(name string) bool {
	for _, t := range r.cfg.Trailers {
		if strings.EqualFold(t, name) {
			return true
		}
	}
	return false
}

func (r *Reader) verifyTrailer(lines []byte, claimed string) error {
	sum := sha256.Sum256(lines)
	r.mac.Reset()
	r.mac.Write([]byte(trailerAlgorithm + "\n" + r.cfg.AmzDate + "\n" + r.cfg.Scope.String() + "\n"))
	r.mac.Write(r.prevSig[:])
	r.mac.Write([]byte{'\n'})
	hex.Encode(r.hexBuf[:], sum[:])
	r.mac.Write(r.hexBuf[:])
	hex.Encode(r.hexBuf[:], r.mac.Sum(r.sumBuf[:0]))
	if !hmac.Equal(r.hexBuf[:], []byte(claimed)) {
		return fmt.Errorf("%w: x-amz-trailer-signature %s", ErrTrailerSignatureMismatch, truncate([]byte(claimed)))
	}
	return nil
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// truncate keeps error messages bounded when they quote client input.
func truncate(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}
