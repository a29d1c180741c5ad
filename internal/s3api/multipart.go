package s3api

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"signet/internal/checksum"
	"signet/internal/meta"
	"signet/internal/storage"
)

const (
	maxCompleteBody = 4 << 20 // 10000 parts with checksums, escaped
	// maxCompleteElems is the most elements a CompleteMultipartUpload body
	// can need: the root, then per part Part, PartNumber, ETag and five
	// Checksum<ALG>. Decoding stops at the next one.
	maxCompleteElems = 1 + maxParts*8
)

// checksumXML holds the optional Checksum<ALG> elements S3 puts in part and
// completion bodies.
type checksumXML struct {
	ChecksumCRC32     string `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string `xml:"ChecksumSHA256,omitempty"`
}

func checksumsToXML(m map[string]string) checksumXML {
	return checksumXML{
		ChecksumCRC32: m["CRC32"], ChecksumCRC32C: m["CRC32C"], ChecksumCRC64NVME: m["CRC64NVME"],
		ChecksumSHA1: m["SHA1"], ChecksumSHA256: m["SHA256"],
	}
}

func (c checksumXML) get(alg checksum.Algorithm) string {
	switch alg {
	case checksum.CRC32:
		return c.ChecksumCRC32
	case checksum.CRC32C:
		return c.ChecksumCRC32C
	case checksum.CRC64NVME:
		return c.ChecksumCRC64NVME
	case checksum.SHA1:
		return c.ChecksumSHA1
	case checksum.SHA256:
		return c.ChecksumSHA256
	}
	return ""
}

type initiateResult struct {
	XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
	NS       string   `xml:"xmlns,attr"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	UploadID string   `xml:"UploadId"`
}

// newUploadID returns 32 random bytes, URL-safe, so the ID is unguessable
// and needs no escaping in a query string. It never starts with '-' (nor,
// for symmetry, '_'): the AWS CLI's argument parser takes
// `--upload-id -Xy…` for a missing value, which one upload in 64 hit.
func newUploadID() string {
	var b [32]byte
	for {
		_, _ = rand.Read(b[:])
		id := base64.RawURLEncoding.EncodeToString(b[:])
		if id[0] != '-' && id[0] != '_' {
			return id
		}
	}
}

func (a *API) createUpload(rq *request) error {
	h := rq.r.Header
	attrs, err := attrsFromHeaders(h)
	if err != nil {
		return err
	}
	u := meta.Upload{Bucket: rq.bucket, Key: rq.key, ID: newUploadID(), Initiated: a.cfg.Clock.Now(), Attrs: attrs}
	if v := h.Get("x-amz-checksum-algorithm"); v != "" {
		alg, ok := checksum.Parse(v)
		if !ok {
			return s3Err(codeInvalidRequest).msg("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
		}
		u.ChecksumAlgorithm = string(alg)
		// S3's defaults: CRC64NVME combines into a full-object CRC, the
		// others are COMPOSITE (checksum of the part checksums).
		u.ChecksumType = "COMPOSITE"
		if alg == checksum.CRC64NVME {
			u.ChecksumType = "FULL_OBJECT"
		}
	}
	if t := h.Get("x-amz-checksum-type"); t != "" {
		if u.ChecksumAlgorithm == "" || (t != "COMPOSITE" && t != "FULL_OBJECT") ||
			(t == "FULL_OBJECT" && (u.ChecksumAlgorithm == "SHA1" || u.ChecksumAlgorithm == "SHA256")) ||
			(t == "COMPOSITE" && u.ChecksumAlgorithm == "CRC64NVME") {
			return s3Err(codeInvalidRequest).msg("The " + t + " checksum type cannot be used with the " + u.ChecksumAlgorithm + " checksum algorithm.")
		}
		u.ChecksumType = t
	}
	if u.Tags, _, err = requestTagging(rq); err != nil {
		return err
	}
	if err := a.uploadSSEC(rq, &u); err != nil {
		return err
	}
	b, err := a.requireBucket(rq)
	if err != nil {
		return err
	}
	// The ACL is judged now and given to the object at completion.
	if u.ACL, err = a.objectACL(rq, &b, h, rq.query, rq.key); err != nil {
		return err
	}
	if err := a.authorizeTagging(rq, u.Tags); err != nil {
		return err
	}
	if err := a.cfg.Meta.CreateUpload(rq.r.Context(), u); err != nil {
		return noSuchBucket(err, rq.bucket)
	}
	if u.ChecksumAlgorithm != "" {
		rq.w.Header().Set("x-amz-checksum-algorithm", u.ChecksumAlgorithm)
		rq.w.Header().Set("x-amz-checksum-type", u.ChecksumType)
	}
	setUploadSSEHeaders(rq.w.Header(), &u)
	a.setAbortHeaders(rq, &u)
	return writeXML(rq.w, http.StatusOK, initiateResult{NS: s3NS, Bucket: rq.bucket, Key: rq.key, UploadID: u.ID})
}

// uploadSSEC records a CreateMultipartUpload's SSE-C key on the upload:
// every part must bring it, and the object is sealed under it.
func (a *API) uploadSSEC(rq *request, u *meta.Upload) error {
	c, err := parseSSECustomer(rq)
	if err != nil || c == nil {
		return err
	}
	cs, err := a.sealer("CreateMultipartUpload")
	if err != nil {
		return err
	}
	u.SSECustomerAlgorithm, u.SSECustomerKeyMD5 = sseAES256, c.keyMD5
	u.SSECustomerKeyCheck = cs.NewKeyCheck(c.key)
	return nil
}

// setUploadSSEHeaders sends an upload's encryption on CreateMultipartUpload,
// UploadPart and UploadPartCopy: SSE-C's algorithm and key MD5, or AES256.
func setUploadSSEHeaders(h http.Header, u *meta.Upload) {
	if u.SSECustomerAlgorithm == "" {
		setSSEHeader(h, sseAES256)
		return
	}
	setSSECPair(h, u.SSECustomerAlgorithm, u.SSECustomerKeyMD5)
}

// partETag is a part's ETag: the MD5 of its data, or for a part sealed
// under a customer's key a random one, as for an SSE-C object (the MD5
// would confirm a guessed plaintext without the key).
func partETag(md []byte, c *sseCustomer) string {
	if c != nil {
		return sseCETag()
	}
	return hex.EncodeToString(md)
}

// upload looks up the request's uploadId.
func (a *API) upload(rq *request) (meta.Upload, error) {
	id := rq.query.Get("uploadId")
	u, err := a.cfg.Meta.GetUpload(rq.r.Context(), rq.bucket, rq.key, id)
	if errors.Is(err, meta.ErrNoSuchUpload) {
		return u, s3Err(codeNoSuchUpload).with("UploadId", id)
	}
	return u, noSuchBucket(err, rq.bucket)
}

func parsePartNumber(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxParts {
		return 0, s3Err(codeInvalidArgument).msg("Part number must be an integer between 1 and 10000, inclusive").
			with("ArgumentName", "partNumber").with("ArgumentValue", v)
	}
	return n, nil
}

func (a *API) uploadPart(rq *request) error {
	n, err := parsePartNumber(rq.query.Get("partNumber"))
	if err != nil {
		return err
	}
	u, err := a.upload(rq)
	if err != nil {
		return err
	}
	if rq.sseC, err = a.checkSSECPart(rq, &u, false); err != nil {
		return err
	}
	in, err := a.ingest(rq, maxPutSize, checksum.Algorithm(u.ChecksumAlgorithm))
	if err != nil {
		return err
	}
	p := meta.Part{Number: n, Blob: in.blob, Size: in.size, ETag: partETag(in.md5, rq.sseC), LastModified: a.cfg.Clock.Now()}
	if in.alg != "" {
		p.Checksums = map[string]string{string(in.alg): checksum.Encode(in.sum)}
	}
	if err := a.storePart(rq, u, p); err != nil {
		return err
	}
	rq.w.Header().Set("ETag", quoteETag(p.ETag))
	setUploadSSEHeaders(rq.w.Header(), &u)
	setChecksumHeaders(rq.w.Header(), p.Checksums, "")
	setStatusNoBody(rq.w, http.StatusOK)
	return nil
}

// storePart commits a part; the blob of a part it replaces is deleted, and
// on failure the new blob is.
func (a *API) storePart(rq *request, u meta.Upload, p meta.Part) error {
	old, err := a.cfg.Meta.PutPart(rq.r.Context(), u.Bucket, u.Key, u.ID, p)
	if err != nil {
		a.deleteBlobs(rq, []storage.BlobID{p.Blob})
		if errors.Is(err, meta.ErrNoSuchUpload) {
			return s3Err(codeNoSuchUpload).with("UploadId", u.ID)
		}
		return err
	}
	a.deleteBlobs(rq, old)
	return nil
}

func (a *API) uploadPartCopy(rq *request) error {
	n, err := parsePartNumber(rq.query.Get("partNumber"))
	if err != nil {
		return err
	}
	u, err := a.upload(rq)
	if err != nil {
		return err
	}
	dstKey, err := a.checkSSECPart(rq, &u, false)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		src, srcKey, err := a.copySource(rq)
		if err != nil {
			return err
		}
		rng := byteRange{0, src.Size - 1}
		if v := rq.r.Header.Get("x-amz-copy-source-range"); v != "" {
			if rng, err = parseCopyRange(v, src.Size); err != nil {
				return err
			}
		}
		if rng.length() > maxPutSize {
			return errEntityTooLarge(rng.length(), maxPutSize)
		}
		alg := checksum.Algorithm(u.ChecksumAlgorithm)
		id, size, md, sum, err := a.copyBlob(rq, &src, srcKey, dstKey, rng, alg)
		if errors.Is(err, storage.ErrNotFound) && attempt < getAttempts {
			continue
		}
		if err != nil {
			return err
		}
		p := meta.Part{Number: n, Blob: id, Size: size, ETag: partETag(md, dstKey), LastModified: a.cfg.Clock.Now()}
		if alg != "" {
			p.Checksums = map[string]string{string(alg): checksum.Encode(sum)}
		}
		if err := a.storePart(rq, u, p); err != nil {
			return err
		}
		setUploadSSEHeaders(rq.w.Header(), &u)
		setCopySourceVersionHeader(rq.w.Header(), &src)
		return writeXML(rq.w, http.StatusOK, copyPartResult{NS: s3NS, LastModified: isoTime(p.LastModified), ETag: quoteETag(p.ETag)})
	}
}

type completeRequest struct {
	XMLName xml.Name       `xml:"CompleteMultipartUpload"`
	Parts   []completePart `xml:"Part"`
}

// completePart is one <Part> of a CompleteMultipartUpload, kept compact:
// a body may list 10,000 of them, and 32 such bodies decoded at once must
// stay within a few tens of MiB (as plain strings they took about 2 MiB a
// body). The ETag is kept as the MD5 it names, with the quoting it came
// in, so that it can be echoed as sent; only one that names no MD5 keeps
// its text. Checksums, rare, are kept only when given.
type completePart struct {
	PartNumber int
	md5        [md5.Size]byte
	form       etagForm
	odd        *string      // the ETag as sent, when it names no MD5
	sums       *checksumXML // nil when the part names no checksum
}

// etagForm is how a part's ETag was written around its hex MD5.
type etagForm uint8

const (
	etagBare   etagForm = iota // 0123…
	etagQuoted                 // "0123…"
	etagWeak                   // W/"0123…"
)

func (p *completePart) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var x struct {
		PartNumber int    `xml:"PartNumber"`
		ETag       string `xml:"ETag"`
		checksumXML
	}
	if err := d.DecodeElement(&x, &start); err != nil {
		return err
	}
	p.PartNumber = x.PartNumber
	if x.checksumXML != (checksumXML{}) {
		p.sums = &x.checksumXML
	}
	switch {
	case x.ETag == "":
		// Shared: a hostile body of 10,000 empty parts allocates none.
		p.odd = &noETag
	case !p.setETag(x.ETag):
		p.odd = &x.ETag
	}
	return nil
}

var noETag = ""

// MarshalXML writes the part as it was read; the fuzz tests round-trip
// bodies through it.
func (p completePart) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	x := struct {
		PartNumber int    `xml:"PartNumber"`
		ETag       string `xml:"ETag"`
		checksumXML
	}{PartNumber: p.PartNumber, ETag: p.ETag()}
	if p.sums != nil {
		x.checksumXML = *p.sums
	}
	return e.EncodeElement(x, start)
}

// setETag keeps etag as its MD5 and form, and reports whether it names
// one: lowercase hex, as signet's part ETags are, bare, quoted or weak.
func (p *completePart) setETag(etag string) bool {
	hexMD5, form := etag, etagBare
	if rest, ok := strings.CutPrefix(hexMD5, "W/"); ok {
		hexMD5, form = rest, etagWeak
	}
	if len(hexMD5) >= 2 && hexMD5[0] == '"' && hexMD5[len(hexMD5)-1] == '"' {
		hexMD5 = hexMD5[1 : len(hexMD5)-1]
		if form == etagBare {
			form = etagQuoted
		}
	} else if form == etagWeak {
		return false
	}
	if len(hexMD5) != 2*md5.Size || strings.ToLower(hexMD5) != hexMD5 {
		return false
	}
	if _, err := hex.Decode(p.md5[:], []byte(hexMD5)); err != nil {
		return false
	}
	p.form = form
	return true
}

// ETag is the part's ETag as the client sent it.
func (p completePart) ETag() string {
	if p.odd != nil {
		return *p.odd
	}
	h := hex.EncodeToString(p.md5[:])
	switch p.form {
	case etagQuoted:
		return `"` + h + `"`
	case etagWeak:
		return `W/"` + h + `"`
	}
	return h
}

// names reports whether the part names a stored part of this MD5.
func (p *completePart) names(stored []byte) bool {
	return p.odd == nil && string(p.md5[:]) == string(stored)
}

// checksum is the part's checksum of alg, "" when not given.
func (p *completePart) checksum(alg checksum.Algorithm) string {
	if p.sums == nil {
		return ""
	}
	return p.sums.get(alg)
}

type completeResult struct {
	XMLName  xml.Name `xml:"CompleteMultipartUploadResult"`
	NS       string   `xml:"xmlns,attr"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
	checksumXML
	ChecksumType string `xml:"ChecksumType,omitempty"`
}

func (a *API) completeUpload(rq *request) error {
	// The cheap checks first: the caller was authorised before the
	// handler ran, and an upload that does not exist is answered without
	// reading a byte of the body.
	up, err := a.upload(rq)
	if err != nil {
		// An upload that completed already is answered as it was then.
		return a.repeatCompletion(rq, err, nil)
	}
	if _, err := a.checkSSECPart(rq, &up, true); err != nil {
		return err
	}
	req, err := readCompleteRequest(rq)
	if err != nil {
		return err
	}
	pre, err := writePrecondition(rq.r.Header)
	if err != nil {
		return err
	}
	wantSize, err := expectedObjectSize(rq)
	if err != nil {
		return err
	}
	claimed := claimedWholeChecksums(rq.r.Header)
	id := rq.query.Get("uploadId")
	now := a.cfg.Clock.Now()
	build := func(u meta.Upload, parts map[int]meta.Part) (meta.Object, error) {
		obj := meta.Object{Bucket: u.Bucket, Key: u.Key, LastModified: now, Attrs: u.Attrs, PartsCount: len(req.Parts), Tags: u.Tags, ACL: u.ACL,
			ServerSideEncryption: sseAES256}
		if u.SSECustomerAlgorithm != "" {
			// The parts were sealed under the upload's key: so is the object.
			obj.ServerSideEncryption = ""
			obj.SSECustomerAlgorithm, obj.SSECustomerKeyMD5, obj.SSECustomerKeyCheck = u.SSECustomerAlgorithm, u.SSECustomerKeyMD5, u.SSECustomerKeyCheck
		}
		alg := checksum.Algorithm(u.ChecksumAlgorithm)
		digests := md5.New()
		var sums [][]byte
		for i := range req.Parts {
			cp := &req.Parts[i]
			p, ok := parts[cp.PartNumber]
			var partMD5 []byte
			if ok {
				var err error
				if partMD5, err = hex.DecodeString(p.ETag); err != nil {
					return obj, err
				}
			}
			if !ok || !cp.names(partMD5) {
				return obj, s3Err(codeInvalidPart).with("UploadId", u.ID).with("PartNumber", strconv.Itoa(cp.PartNumber)).with("ETag", cp.ETag())
			}
			if i < len(req.Parts)-1 && p.Size < minPartSize {
				return obj, s3Err(codeEntityTooSmall).with("ProposedSize", itoa(p.Size)).with("MinSizeAllowed", itoa(minPartSize)).
					with("PartNumber", strconv.Itoa(p.Number)).with("ETag", p.ETag)
			}
			if alg != "" {
				stored := p.Checksums[string(alg)]
				if given := cp.checksum(alg); given != "" && given != stored {
					return obj, s3Err(codeInvalidPart).with("UploadId", u.ID).with("PartNumber", strconv.Itoa(cp.PartNumber)).with("ETag", cp.ETag())
				}
				// A part without a stored sum leaves the object without a
				// whole checksum (len(sums) check below), never a wrong one.
				if raw, err := checksum.Decode(alg, stored); err == nil {
					sums = append(sums, raw)
				}
			}
			digests.Write(partMD5)
			obj.Size += p.Size
			obj.Segments = append(obj.Segments, meta.Segment{Blob: p.Blob, Size: p.Size, ETag: p.ETag, Checksums: p.Checksums})
		}
		if wantSize >= 0 && obj.Size != wantSize {
			return obj, s3Err(codeInvalidRequest).msg("The provided 'x-amz-mp-object-size' header value " + itoa(wantSize) +
				" does not match the size of the object the parts make, " + itoa(obj.Size) + ".")
		}
		obj.ETag = hex.EncodeToString(digests.Sum(nil)) + "-" + strconv.Itoa(len(req.Parts))
		if alg != "" && len(sums) == len(req.Parts) {
			if v, ok := wholeChecksum(alg, u.ChecksumType, sums, obj.Segments); ok {
				obj.Checksums, obj.ChecksumType = map[string]string{string(alg): v}, u.ChecksumType
			}
		}
		if err := checkWholeChecksums(claimed, alg, obj.Checksums[string(alg)]); err != nil {
			return obj, err
		}
		return obj, nil
	}
	obj, freed, err := a.completeVersioned(rq.r.Context(), rq.bucket, rq.key, id, build, pre)
	if err != nil {
		if errors.Is(err, meta.ErrNoSuchUpload) {
			// Another request completed it since the lookup above: a
			// retry that raced its first attempt gets the same answer.
			return a.repeatCompletion(rq, s3Err(codeNoSuchUpload).with("UploadId", id), &req)
		}
		return noSuchBucket(err, rq.bucket)
	}
	a.deleteBlobs(rq, freed)
	setSSEHeader(rq.w.Header(), obj.ServerSideEncryption)
	setVersionHeader(rq.w.Header(), obj.VersionID)
	return writeXML(rq.w, http.StatusOK, completeResult{
		NS: s3NS, Location: location(rq), Bucket: rq.bucket, Key: rq.key, ETag: quoteETag(obj.ETag),
		checksumXML: checksumsToXML(obj.Checksums), ChecksumType: obj.ChecksumType,
	})
}

// readCompleteRequest reads and checks a CompleteMultipartUpload body:
// at least one part, at most maxParts, in ascending part order.
func readCompleteRequest(rq *request) (completeRequest, error) {
	var req completeRequest
	if err := readXML(rq.res.Body, maxCompleteBody, maxCompleteElems, maxParts, &req); err != nil {
		return req, err
	}
	if len(req.Parts) == 0 {
		return req, s3Err(codeInvalidRequest).msg("You must specify at least one part")
	}
	if len(req.Parts) > maxParts {
		return req, s3Err(codeMalformedXML)
	}
	for i := range req.Parts {
		if i > 0 && req.Parts[i].PartNumber <= req.Parts[i-1].PartNumber {
			return req, s3Err(codeInvalidPartOrder)
		}
	}
	return req, nil
}

// expectedObjectSize reads x-amz-mp-object-size (or its hoisted query
// form): the size the client says the parts make, which AWS checks, so a
// dropped or duplicated part fails the completion. -1 when absent.
func expectedObjectSize(rq *request) (int64, error) {
	v, ok := rq.r.Header["X-Amz-Mp-Object-Size"]
	if !ok {
		for k, qv := range rq.query {
			if strings.EqualFold(k, "x-amz-mp-object-size") {
				v, ok = qv, true
			}
		}
	}
	if !ok {
		return -1, nil
	}
	raw := ""
	if len(v) > 0 {
		raw = v[0]
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 0 {
		return 0, s3Err(codeInvalidRequest).msg("Value for x-amz-mp-object-size header is invalid: '" + raw + "'")
	}
	return n, nil
}

// wholeChecksum is the object checksum of a completed upload: COMPOSITE is
// the checksum of the part checksums with "-N"; FULL_OBJECT combines the
// part CRCs into the CRC of the whole.
func wholeChecksum(alg checksum.Algorithm, typ string, sums [][]byte, segs []meta.Segment) (string, bool) {
	if typ != "FULL_OBJECT" {
		return checksum.Composite(alg, sums), true
	}
	acc := sums[0]
	for i := 1; i < len(sums); i++ {
		var ok bool
		if acc, ok = checksum.Combine(alg, acc, sums[i], segs[i].Size); !ok {
			return "", false
		}
	}
	return checksum.Encode(acc), true
}

// location is the object's URL as the client addressed the server.
func location(rq *request) string {
	scheme := "http"
	if rq.r.TLS != nil {
		scheme = "https"
	}
	parts := strings.Split(rq.key, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return scheme + "://" + rq.r.Host + "/" + rq.bucket + "/" + strings.Join(parts, "/")
}

func (a *API) abortUpload(rq *request) error {
	id := rq.query.Get("uploadId")
	blobs, err := a.cfg.Meta.AbortUpload(rq.r.Context(), rq.bucket, rq.key, id)
	if err != nil {
		if errors.Is(err, meta.ErrNoSuchUpload) {
			return s3Err(codeNoSuchUpload).with("UploadId", id)
		}
		return noSuchBucket(err, rq.bucket)
	}
	a.deleteBlobs(rq, blobs)
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}

// claimedWholeChecksums reads the x-amz-checksum-<alg> headers of a
// CompleteMultipartUpload: the client's checksum of the whole object
// (FULL_OBJECT) or of its part checksums (COMPOSITE), which S3 checks.
func claimedWholeChecksums(h http.Header) map[checksum.Algorithm]string {
	var out map[checksum.Algorithm]string
	for _, alg := range checksum.Algorithms {
		if v := h.Get(alg.HeaderName()); v != "" {
			if out == nil {
				out = map[checksum.Algorithm]string{}
			}
			out[alg] = v
		}
	}
	return out
}

// checkWholeChecksums compares the client's whole-object checksums with
// the one the completion computed (computed, of the upload's algorithm
// alg): a mismatch is S3's 400 BadDigest and nothing is completed. A
// composite value may be given with or without its "-N" part count. A
// checksum signet cannot compute (another algorithm than the upload's,
// or parts uploaded without one) is refused rather than ignored.
func checkWholeChecksums(claimed map[checksum.Algorithm]string, alg checksum.Algorithm, computed string) error {
	for calg, v := range claimed {
		if calg != alg || computed == "" {
			return s3Err(codeInvalidRequest).msg("The upload was created using the " + uploadAlgName(alg) +
				" checksum algorithm, so a " + string(calg) + " checksum of the object cannot be checked: the " +
				calg.HeaderName() + " header on CompleteMultipartUpload is refused, not ignored.")
		}
		if v != computed && v != stripPartCount(computed) {
			return s3Err(codeBadDigest).msg("The " + string(calg) + " you specified did not match the calculated checksum.")
		}
	}
	return nil
}

func uploadAlgName(alg checksum.Algorithm) string {
	if alg == "" {
		return "null"
	}
	return string(alg)
}

// stripPartCount drops a composite checksum's "-N" suffix.
func stripPartCount(v string) string {
	if i := strings.LastIndexByte(v, '-'); i > 0 {
		if _, err := strconv.Atoi(v[i+1:]); err == nil {
			return v[:i]
		}
	}
	return v
}
