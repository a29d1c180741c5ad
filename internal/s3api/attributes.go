package s3api

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"

	"signet/internal/meta"
)

// objectAttributeNames are the values x-amz-object-attributes may list.
var objectAttributeNames = map[string]bool{
	"ETag": true, "Checksum": true, "ObjectParts": true, "StorageClass": true, "ObjectSize": true,
}

// defaultMaxAttributeParts is S3's page of ObjectParts without
// x-amz-max-parts (as ListParts').
const defaultMaxAttributeParts = 1000

// getObjectAttributesOutput is GetObjectAttributes' body; each element is
// sent only when x-amz-object-attributes asks for it.
type getObjectAttributesOutput struct {
	XMLName      xml.Name           `xml:"GetObjectAttributesOutput"`
	NS           string             `xml:"xmlns,attr"`
	ETag         string             `xml:"ETag,omitempty"`
	Checksum     *objectChecksumXML `xml:"Checksum"`
	ObjectParts  *objectPartsXML    `xml:"ObjectParts"`
	StorageClass string             `xml:"StorageClass,omitempty"`
	ObjectSize   *int64             `xml:"ObjectSize"`
}

// objectChecksumXML is the object's checksums and their type.
type objectChecksumXML struct {
	checksumXML
	ChecksumType string `xml:"ChecksumType,omitempty"`
}

type objectPartsXML struct {
	IsTruncated          bool          `xml:"IsTruncated"`
	MaxParts             int           `xml:"MaxParts"`
	NextPartNumberMarker int           `xml:"NextPartNumberMarker"`
	PartNumberMarker     int           `xml:"PartNumberMarker"`
	Parts                []attrPartXML `xml:"Part"`
	PartsCount           int           `xml:"PartsCount"`
}

type attrPartXML struct {
	checksumXML
	PartNumber int   `xml:"PartNumber"`
	Size       int64 `xml:"Size"`
}

// getObjectAttributes serves GetObjectAttributes: the attributes the
// x-amz-object-attributes header names, read from the object's record
// alone. AWS authorises it as s3:GetObjectAttributes and s3:GetObject,
// or with versionId as s3:GetObjectVersionAttributes and
// s3:GetObjectVersion. A versionId naming a delete marker is 405, and a
// key behind one 404 NoSuchKey with x-amz-delete-marker, as GET answers.
func (a *API) getObjectAttributes(rq *request) error {
	want, err := parseObjectAttributes(rq.r.Header.Values("x-amz-object-attributes"))
	if err != nil {
		return err
	}
	if !a.allowed(rq, versionReadAction(rq), rq.bucket, rq.key, true) {
		return s3Err(codeAccessDenied)
	}
	obj, err := a.headObjectRecord(rq)
	if err != nil {
		return err
	}
	// An SSE-C object's attributes need its key, as its HEAD does.
	if _, err := a.checkSSECRead(rq, &obj); err != nil {
		return err
	}
	out := getObjectAttributesOutput{NS: s3NS}
	if want["ETag"] {
		// Unquoted here, unlike the ETag header, as S3 sends it.
		out.ETag = obj.ETag
	}
	if want["Checksum"] && len(obj.Checksums) > 0 {
		out.Checksum = &objectChecksumXML{checksumXML: checksumsToXML(obj.Checksums), ChecksumType: obj.ChecksumType}
	}
	if want["ObjectParts"] && obj.PartsCount > 0 {
		out.ObjectParts = objectParts(&obj, rq.r.Header)
	}
	if want["StorageClass"] {
		out.StorageClass = storageClassOf(obj.Attrs)
	}
	if want["ObjectSize"] {
		size := obj.Size
		out.ObjectSize = &size
	}
	rq.w.Header().Set("Last-Modified", obj.LastModified.UTC().Format(http.TimeFormat))
	setVersionHeader(rq.w.Header(), obj.VersionID)
	return writeXML(rq.w, http.StatusOK, out)
}

// versionReadAction is the read action a request needs besides its own:
// s3:GetObjectVersion when it names a version, else s3:GetObject.
func versionReadAction(rq *request) string {
	if rq.query.Has("versionId") {
		return "s3:GetObjectVersion"
	}
	return "s3:GetObject"
}

// parseObjectAttributes reads x-amz-object-attributes, a comma-separated
// list that may come as several headers. Empty items are skipped; none at
// all is InvalidRequest and an unknown name InvalidArgument, as S3 answers.
func parseObjectAttributes(vals []string) (map[string]bool, error) {
	want := map[string]bool{}
	for _, v := range vals {
		for _, name := range strings.Split(v, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			if !objectAttributeNames[name] {
				return nil, s3Err(codeInvalidArgument).msg("Invalid attribute name specified.").
					with("ArgumentName", "x-amz-object-attributes").with("ArgumentValue", name)
			}
			want[name] = true
		}
	}
	if len(want) == 0 {
		return nil, s3Err(codeInvalidRequest).msg("The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty")
	}
	return want, nil
}

// objectParts pages a multipart object's parts: those numbered after
// x-amz-part-number-marker, at most x-amz-max-parts of them. S3 ignores a
// value of either header that is not a number in range, and so does
// signet. Parts are numbered 1 to PartsCount, as ?partNumber= reads them.
func objectParts(obj *meta.Object, h http.Header) *objectPartsXML {
	maxParts := defaultMaxAttributeParts
	if n, err := strconv.Atoi(h.Get("x-amz-max-parts")); err == nil && n >= 0 {
		maxParts = min(n, defaultMaxAttributeParts)
	}
	marker := 0
	if n, err := strconv.Atoi(h.Get("x-amz-part-number-marker")); err == nil && n >= 0 {
		marker = n
	}
	out := &objectPartsXML{MaxParts: maxParts, PartNumberMarker: marker, PartsCount: obj.PartsCount}
	for i := marker; i < len(obj.Segments); i++ {
		if len(out.Parts) == maxParts {
			out.IsTruncated = true
			break
		}
		seg := obj.Segments[i]
		out.Parts = append(out.Parts, attrPartXML{checksumXML: checksumsToXML(seg.Checksums), PartNumber: i + 1, Size: seg.Size})
		out.NextPartNumberMarker = i + 1
	}
	return out
}
