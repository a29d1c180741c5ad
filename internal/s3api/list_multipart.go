package s3api

import (
	"encoding/xml"
	"net/http"
	"strconv"

	"signet/internal/meta"
)

type partXML struct {
	PartNumber   int    `xml:"PartNumber"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
	checksumXML
}

type listPartsResult struct {
	XMLName              xml.Name  `xml:"ListPartsResult"`
	NS                   string    `xml:"xmlns,attr"`
	Bucket               string    `xml:"Bucket"`
	Key                  string    `xml:"Key"`
	UploadID             string    `xml:"UploadId"`
	Initiator            ownerXML  `xml:"Initiator"`
	Owner                ownerXML  `xml:"Owner"`
	StorageClass         string    `xml:"StorageClass"`
	PartNumberMarker     int       `xml:"PartNumberMarker"`
	NextPartNumberMarker int       `xml:"NextPartNumberMarker"`
	MaxParts             int       `xml:"MaxParts"`
	IsTruncated          bool      `xml:"IsTruncated"`
	Parts                []partXML `xml:"Part"`
	ChecksumAlgorithm    string    `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType         string    `xml:"ChecksumType,omitempty"`
}

// intParam parses a non-negative integer query parameter with a default
// and a cap (1000 for every S3 listing).
func intParam(q map[string][]string, name string, def, limit int) (int, error) {
	v, ok := q[name]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(v[0])
	if err != nil || n < 0 {
		return 0, s3Err(codeInvalidArgument).msg("Provided "+name+" not an integer or within integer range").
			with("ArgumentName", name).with("ArgumentValue", v[0])
	}
	return min(n, limit), nil
}

func (a *API) listParts(rq *request) error {
	max, err := intParam(rq.query, "max-parts", maxListKeys, maxListKeys)
	if err != nil {
		return err
	}
	marker, err := intParam(rq.query, "part-number-marker", 0, maxParts)
	if err != nil {
		return err
	}
	u, err := a.upload(rq)
	if err != nil {
		return err
	}
	parts, truncated, err := a.cfg.Meta.ListParts(rq.r.Context(), rq.bucket, rq.key, u.ID, marker, max)
	if err != nil {
		return err
	}
	out := listPartsResult{
		NS: s3NS, Bucket: rq.bucket, Key: rq.key, UploadID: u.ID, Initiator: owner, Owner: owner,
		StorageClass: storageClassOf(u.Attrs), PartNumberMarker: marker, MaxParts: max, IsTruncated: truncated,
		ChecksumAlgorithm: u.ChecksumAlgorithm, ChecksumType: u.ChecksumType,
	}
	for _, p := range parts {
		out.Parts = append(out.Parts, partXML{
			PartNumber: p.Number, LastModified: isoTime(p.LastModified), ETag: quoteETag(p.ETag), Size: p.Size,
			checksumXML: checksumsToXML(p.Checksums),
		})
		out.NextPartNumberMarker = p.Number
	}
	return writeXML(rq.w, http.StatusOK, out)
}

type uploadXML struct {
	Key               string   `xml:"Key"`
	UploadID          string   `xml:"UploadId"`
	Initiator         ownerXML `xml:"Initiator"`
	Owner             ownerXML `xml:"Owner"`
	StorageClass      string   `xml:"StorageClass"`
	Initiated         string   `xml:"Initiated"`
	ChecksumAlgorithm string   `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string   `xml:"ChecksumType,omitempty"`
}

type listUploadsResult struct {
	XMLName            xml.Name    `xml:"ListMultipartUploadsResult"`
	NS                 string      `xml:"xmlns,attr"`
	Bucket             string      `xml:"Bucket"`
	KeyMarker          string      `xml:"KeyMarker"`
	UploadIDMarker     string      `xml:"UploadIdMarker"`
	NextKeyMarker      string      `xml:"NextKeyMarker"`
	NextUploadIDMarker string      `xml:"NextUploadIdMarker"`
	Delimiter          string      `xml:"Delimiter,omitempty"`
	Prefix             string      `xml:"Prefix"`
	MaxUploads         int         `xml:"MaxUploads"`
	EncodingType       string      `xml:"EncodingType,omitempty"`
	IsTruncated        bool        `xml:"IsTruncated"`
	Uploads            []uploadXML `xml:"Upload"`
	CommonPrefixes     []prefixXML `xml:"CommonPrefixes"`
}

func (a *API) listUploads(rq *request) error {
	p, err := parseListParams(rq.query, "max-uploads")
	if err != nil {
		return err
	}
	if _, err := a.requireBucket(rq); err != nil {
		return err
	}
	q := meta.UploadQuery{
		Prefix: p.prefix, Delimiter: p.delimiter, MaxUploads: p.maxKeys,
		KeyMarker: rq.query.Get("key-marker"), UploadIDMarker: rq.query.Get("upload-id-marker"),
	}
	page, err := a.cfg.Meta.ListUploads(rq.r.Context(), rq.bucket, q)
	if err != nil {
		return noSuchBucket(err, rq.bucket)
	}
	out := listUploadsResult{
		NS: s3NS, Bucket: rq.bucket, KeyMarker: p.encode(q.KeyMarker), UploadIDMarker: q.UploadIDMarker,
		NextKeyMarker: p.encode(page.NextKeyMarker), NextUploadIDMarker: page.NextUploadIDMarker,
		Delimiter: p.encode(p.delimiter), Prefix: p.encode(p.prefix), MaxUploads: p.maxKeys,
		EncodingType: p.encodingType, IsTruncated: page.IsTruncated,
	}
	for _, u := range page.Uploads {
		out.Uploads = append(out.Uploads, uploadXML{
			Key: p.encode(u.Key), UploadID: u.ID, Initiator: owner, Owner: owner,
			StorageClass: storageClassOf(u.Attrs), Initiated: isoTime(u.Initiated),
			ChecksumAlgorithm: u.ChecksumAlgorithm, ChecksumType: u.ChecksumType,
		})
	}
	for _, cp := range page.CommonPrefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, prefixXML{Prefix: p.encode(cp)})
	}
	return writeXML(rq.w, http.StatusOK, out)
}
