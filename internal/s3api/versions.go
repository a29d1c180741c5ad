package s3api

import (
	"encoding/xml"
	"errors"
	"net/http"

	"signet/internal/meta"
)

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

// listObjectVersions serves GET /bucket?versions: versions and delete
// markers by key, newest first within a key. In a bucket whose versioning
// was never enabled each object is its own only version, the null one,
// and the latest, as S3 lists such a bucket; generic "empty this bucket"
// code relies on that.
func (a *API) listObjectVersions(rq *request) error {
	q := rq.query
	p, err := parseListParams(q, "max-keys")
	if err != nil {
		return err
	}
	keyMarker := q.Get("key-marker")
	versionMarker, hasVersionMarker := q.Get("version-id-marker"), q.Has("version-id-marker")
	if hasVersionMarker && keyMarker == "" {
		return s3Err(codeInvalidArgument).msg("A version-id marker cannot be specified without a key marker.").
			with("ArgumentName", "version-id-marker").with("ArgumentValue", versionMarker)
	}
	page, err := a.cfg.Meta.ListObjectVersions(rq.r.Context(), rq.bucket, meta.VersionQuery{
		Prefix: p.prefix, Delimiter: p.delimiter, KeyMarker: keyMarker, VersionIDMarker: versionMarker, MaxKeys: p.maxKeys,
	})
	if errors.Is(err, meta.ErrInvalidArgument) {
		// The marker names no version of the key marker.
		return s3Err(codeInvalidArgument).msg("Invalid version id specified").
			with("ArgumentName", "version-id-marker").with("ArgumentValue", versionMarker)
	}
	if err != nil {
		return noSuchBucket(err, rq.bucket)
	}
	out := listVersionsResult{
		NS: s3NS, Name: rq.bucket, Prefix: p.encode(p.prefix), KeyMarker: p.encode(keyMarker),
		VersionIDMarker: versionMarker, MaxKeys: p.maxKeys, Delimiter: p.encode(p.delimiter),
		EncodingType: p.encodingType, IsTruncated: page.IsTruncated,
	}
	out.Entries, out.CommonPrefixes = versionsXML(page, p)
	if page.IsTruncated {
		out.NextKeyMarker, out.NextVersionIDMarker = p.encode(page.NextKeyMarker), page.NextVersionIDMarker
	}
	return writeXML(rq.w, http.StatusOK, out)
}

// versionsXML renders a page's versions, with the fields ListObjects
// gives objects, and its delete markers.
func versionsXML(page meta.VersionPage, p listParams) ([]versionEntry, []prefixXML) {
	objs, cps := objectsXML(meta.ListPage{Objects: page.Versions, CommonPrefixes: page.CommonPrefixes}, p, true)
	out := make([]versionEntry, 0, len(objs))
	for i, o := range objs {
		v := &page.Versions[i]
		e := versionEntry{
			XMLName: xml.Name{Local: "Version"},
			Key:     o.Key, VersionID: v.VersionID, IsLatest: v.IsLatest, LastModified: o.LastModified, Owner: o.Owner,
		}
		if v.DeleteMarker {
			e.XMLName.Local = "DeleteMarker"
		} else {
			size := o.Size
			e.ETag, e.ChecksumAlgorithm, e.ChecksumType = o.ETag, o.ChecksumAlgorithm, o.ChecksumType
			e.Size, e.StorageClass = &size, o.StorageClass
		}
		out = append(out, e)
	}
	return out, cps
}
