package s3api

import (
	"encoding/xml"
	"net/http"

	"signet/internal/meta"
)

// nullVersion is the ID S3 gives the one version an object has in a bucket
// whose versioning was never enabled.
const nullVersion = "null"

// listVersionsResult is ListObjectVersions' body. Versions and delete
// markers share one slice so that they keep S3's order: by key, then
// newest first within a key.
type listVersionsResult struct {
	XMLName             xml.Name       `xml:"ListVersionsResult"`
	NS                  string         `xml:"xmlns,attr"`
	Name                string         `xml:"Name"`
	Prefix              string         `xml:"Prefix"`
	KeyMarker           string         `xml:"KeyMarker"`
	VersionIDMarker     string         `xml:"VersionIdMarker"`
	NextKeyMarker       string         `xml:"NextKeyMarker,omitempty"`
	NextVersionIDMarker string         `xml:"NextVersionIdMarker,omitempty"`
	MaxKeys             int            `xml:"MaxKeys"`
	Delimiter           string         `xml:"Delimiter,omitempty"`
	EncodingType        string         `xml:"EncodingType,omitempty"`
	IsTruncated         bool           `xml:"IsTruncated"`
	Entries             []versionEntry `xml:",any"`
	CommonPrefixes      []prefixXML    `xml:"CommonPrefixes"`
}

// versionEntry is a <Version> or, with no ETag, Size or StorageClass, a
// <DeleteMarker>; XMLName says which.
type versionEntry struct {
	XMLName           xml.Name
	Key               string    `xml:"Key"`
	VersionID         string    `xml:"VersionId"`
	IsLatest          bool      `xml:"IsLatest"`
	LastModified      string    `xml:"LastModified"`
	ETag              string    `xml:"ETag,omitempty"`
	ChecksumAlgorithm string    `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string    `xml:"ChecksumType,omitempty"`
	Size              *int64    `xml:"Size"`
	Owner             *ownerXML `xml:"Owner"`
	StorageClass      string    `xml:"StorageClass,omitempty"`
}

// listObjectVersions serves GET /bucket?versions. signet's buckets have
// never had versioning enabled, so each object is its own only version,
// the null one, and is the latest; S3 lists such a bucket the same way,
// which is what generic "empty this bucket" code relies on.
func (a *API) listObjectVersions(rq *request) error {
	q := rq.query
	p, err := parseListParams(q, "max-keys")
	if err != nil {
		return err
	}
	keyMarker := q.Get("key-marker")
	versionMarker, hasVersionMarker := q.Get("version-id-marker"), q.Has("version-id-marker")
	if err := checkVersionMarkers(keyMarker, versionMarker, hasVersionMarker); err != nil {
		return err
	}
	// Starting after the null version of key-marker and starting after
	// key-marker are the same place: the null version is a key's only one.
	page, err := a.list(rq, p, keyMarker)
	if err != nil {
		return err
	}
	out := listVersionsResult{
		NS: s3NS, Name: rq.bucket, Prefix: p.encode(p.prefix), KeyMarker: p.encode(keyMarker),
		VersionIDMarker: versionMarker, MaxKeys: p.maxKeys, Delimiter: p.encode(p.delimiter),
		EncodingType: p.encodingType, IsTruncated: page.IsTruncated,
	}
	out.Entries, out.CommonPrefixes = nullVersionsXML(page, p)
	if page.IsTruncated {
		setNextVersionMarkers(&out, page, p)
	}
	return writeXML(rq.w, http.StatusOK, out)
}

// checkVersionMarkers answers as S3 does for a version-id-marker it cannot
// use: one without a key-marker, or one naming a version the bucket cannot
// hold (in a never-versioned bucket every version is the null one).
func checkVersionMarkers(keyMarker, versionMarker string, hasVersionMarker bool) error {
	if !hasVersionMarker {
		return nil
	}
	if keyMarker == "" {
		return s3Err(codeInvalidArgument).msg("A version-id marker cannot be specified without a key marker.").
			with("ArgumentName", "version-id-marker").with("ArgumentValue", versionMarker)
	}
	if versionMarker != nullVersion {
		return s3Err(codeInvalidArgument).msg("Invalid version id specified").
			with("ArgumentName", "version-id-marker").with("ArgumentValue", versionMarker)
	}
	return nil
}

// setNextVersionMarkers names the last entry of a truncated page, where
// the next page starts after. A common prefix has no version, so after
// one only NextKeyMarker is sent.
func setNextVersionMarkers(out *listVersionsResult, page meta.ListPage, p listParams) {
	last := page.NextAfter
	out.NextKeyMarker = p.encode(last)
	if n := len(page.Objects); n > 0 && page.Objects[n-1].Key == last {
		out.NextVersionIDMarker = nullVersion
	}
}

// nullVersionsXML lists a page's objects as their null versions, each the
// latest, with the fields ListObjects gives them.
func nullVersionsXML(page meta.ListPage, p listParams) ([]versionEntry, []prefixXML) {
	objs, cps := objectsXML(page, p, true)
	out := make([]versionEntry, 0, len(objs))
	for _, o := range objs {
		size := o.Size
		out = append(out, versionEntry{
			XMLName: xml.Name{Local: "Version"},
			Key:     o.Key, VersionID: nullVersion, IsLatest: true, LastModified: o.LastModified,
			ETag: o.ETag, ChecksumAlgorithm: o.ChecksumAlgorithm, ChecksumType: o.ChecksumType,
			Size: &size, Owner: o.Owner, StorageClass: o.StorageClass,
		})
	}
	return out, cps
}
