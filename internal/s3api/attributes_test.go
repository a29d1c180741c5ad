package s3api

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"

	"signet/internal/authn"
)

type attrsResult struct {
	XMLName  xml.Name
	ETag     *string
	Checksum *struct {
		ChecksumCRC32 string
		ChecksumType  string
	}
	ObjectParts *struct {
		IsTruncated          bool
		MaxParts             int
		NextPartNumberMarker int
		PartNumberMarker     int
		PartsCount           int
		Parts                []struct {
			PartNumber    int
			Size          int64
			ChecksumCRC32 string
		} `xml:"Part"`
	}
	StorageClass *string
	ObjectSize   *int64
}

func getAttrs(t *testing.T, e *env, target string, hdr ...string) attrsResult {
	t.Helper()
	w := e.mustDo(200, "GET", target, "", hdr...)
	var r attrsResult
	if err := xml.Unmarshal(w.Body.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if r.XMLName.Local != "GetObjectAttributesOutput" || w.Header().Get("Last-Modified") == "" {
		t.Errorf("root %q, Last-Modified %q", r.XMLName.Local, w.Header().Get("Last-Modified"))
	}
	return r
}

// TestGetObjectAttributes pins GetObjectAttributes as S3 answers it: only
// the attributes asked for, the ETag unquoted, ObjectParts only for a
// multipart object and paged by x-amz-max-parts and
// x-amz-part-number-marker.
func TestGetObjectAttributes(t *testing.T) {
	e := newEnv(t)
	e.bucket("att")
	e.put("att", "plain", "hello")
	sum := md5.Sum([]byte("hello"))
	r := getAttrs(t, e, "/att/plain?attributes", "x-amz-object-attributes", "ETag,StorageClass,ObjectSize,ObjectParts,Checksum")
	if r.ETag == nil || *r.ETag != hex.EncodeToString(sum[:]) || r.StorageClass == nil || *r.StorageClass != "STANDARD" ||
		r.ObjectSize == nil || *r.ObjectSize != 5 || r.ObjectParts != nil || r.Checksum != nil {
		t.Errorf("plain: %+v", r)
	}
	// Only what is asked for; the header may repeat and hold empty items.
	r = getAttrs(t, e, "/att/plain?attributes", "x-amz-object-attributes", "ObjectSize,", "x-amz-object-attributes", " StorageClass")
	if r.ETag != nil || r.ObjectSize == nil || r.StorageClass == nil {
		t.Errorf("ObjectSize,StorageClass: %+v", r)
	}
	// A checksum the client sent is reported with its type.
	e.mustDo(200, "PUT", "/att/summed", "abc", "x-amz-checksum-crc32", crc32b64("abc"))
	r = getAttrs(t, e, "/att/summed?attributes", "x-amz-object-attributes", "Checksum")
	if r.Checksum == nil || r.Checksum.ChecksumCRC32 != crc32b64("abc") || r.Checksum.ChecksumType != "FULL_OBJECT" {
		t.Errorf("checksum: %+v", r.Checksum)
	}

	parts := []string{partData(1, 5<<20), partData(2, 5<<20), partData(3, 10)}
	uploadMultipart(t, e, "att", "mp", parts...)
	r = getAttrs(t, e, "/att/mp?attributes", "x-amz-object-attributes", "ObjectParts,ETag", "x-amz-max-parts", "2")
	op := r.ObjectParts
	if r.ETag == nil || *r.ETag != multipartETag(parts...) || op == nil {
		t.Fatalf("multipart: %+v", r)
	}
	if !op.IsTruncated || op.MaxParts != 2 || op.PartNumberMarker != 0 || op.NextPartNumberMarker != 2 || op.PartsCount != 3 ||
		len(op.Parts) != 2 || op.Parts[0].PartNumber != 1 || op.Parts[0].Size != 5<<20 || op.Parts[1].PartNumber != 2 {
		t.Errorf("page 1: %+v", *op)
	}
	op = getAttrs(t, e, "/att/mp?attributes", "x-amz-object-attributes", "ObjectParts", "x-amz-max-parts", "2", "x-amz-part-number-marker", "2").ObjectParts
	if op == nil || op.IsTruncated || op.PartNumberMarker != 2 || op.NextPartNumberMarker != 3 || len(op.Parts) != 1 || op.Parts[0].PartNumber != 3 || op.Parts[0].Size != 10 {
		t.Errorf("page 2: %+v", op)
	}
	// S3 ignores an x-amz-max-parts that is not a number.
	op = getAttrs(t, e, "/att/mp?attributes", "x-amz-object-attributes", "ObjectParts", "x-amz-max-parts", "lots").ObjectParts
	if op == nil || op.MaxParts != 1000 || len(op.Parts) != 3 {
		t.Errorf("max-parts ignored: %+v", op)
	}

	b := expectErr(t, e.do("GET", "/att/plain?attributes", nil), 400, "InvalidRequest")
	if b.Message != "The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty" {
		t.Errorf("missing header: %q", b.Message)
	}
	expectErr(t, e.do("GET", "/att/plain?attributes", nil, "x-amz-object-attributes", " , "), 400, "InvalidRequest")
	b = expectErr(t, e.do("GET", "/att/plain?attributes", nil, "x-amz-object-attributes", "ETag,ETags"), 400, "InvalidArgument")
	if b.Message != "Invalid attribute name specified." || b.ArgumentName != "x-amz-object-attributes" || b.ArgumentValue != "ETags" {
		t.Errorf("bad name: %+v", b)
	}
	expectErr(t, e.do("GET", "/att/missing?attributes", nil, "x-amz-object-attributes", "ETag"), 404, "NoSuchKey")
	expectErr(t, e.do("GET", "/noatt/k?attributes", nil, "x-amz-object-attributes", "ETag"), 404, "NoSuchBucket")
}

// TestGetObjectAttributesNeedsGetObject: AWS authorises GetObjectAttributes
// as s3:GetObjectAttributes and s3:GetObject; either alone is denied.
func TestGetObjectAttributesNeedsGetObject(t *testing.T) {
	for _, denied := range []string{"s3:GetObject", "s3:GetObjectAttributes"} {
		t.Run(denied, func(t *testing.T) {
			e := newEnv(t, func(c *Config) {
				c.Authz = authzFunc(func(_ *http.Request, _ *authn.Result, action, _ string) error {
					if action == denied {
						return errAny
					}
					return nil
				})
			})
			e.bucket("att")
			e.put("att", "k", "v")
			expectErr(t, e.do("GET", "/att/k?attributes", nil, "x-amz-object-attributes", "ETag"), 403, "AccessDenied")
		})
	}
	e := newEnv(t)
	e.bucket("att")
	e.put("att", "k", "v")
	if w := e.mustDo(200, "GET", "/att/k?attributes", "", "x-amz-object-attributes", "ObjectSize"); !strings.Contains(w.Body.String(), "<ObjectSize>1</ObjectSize>") {
		t.Errorf("allowed: %s", w.Body.String())
	}
}
