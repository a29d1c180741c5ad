package s3api

import (
	"bytes"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"

	"signet/internal/meta"
)

type listAllMyBucketsResult struct {
	XMLName xml.Name    `xml:"ListAllMyBucketsResult"`
	NS      string      `xml:"xmlns,attr"`
	Owner   ownerXML    `xml:"Owner"`
	Buckets []bucketXML `xml:"Buckets>Bucket"`
}

type bucketXML struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
	BucketRegion string `xml:"BucketRegion"`
}

func (a *API) listBuckets(rq *request) error {
	bs, err := a.cfg.Meta.ListBuckets(rq.r.Context())
	if err != nil {
		return err
	}
	out := listAllMyBucketsResult{NS: s3NS, Owner: owner, Buckets: []bucketXML{}}
	for _, b := range bs {
		out.Buckets = append(out.Buckets, bucketXML{Name: b.Name, CreationDate: isoTime(b.Created), BucketRegion: a.bucketRegion(b)})
	}
	return writeXML(rq.w, http.StatusOK, out)
}

func (a *API) bucketRegion(b meta.Bucket) string {
	if b.Region != "" {
		return b.Region
	}
	return a.cfg.Region
}

type createBucketConfiguration struct {
	XMLName            xml.Name `xml:"CreateBucketConfiguration"`
	LocationConstraint string   `xml:"LocationConstraint"`
	// Other catches every other element (Location, Bucket, Tags), which
	// selects a feature signet lacks, so that it is refused, not dropped.
	Other []bodyElement `xml:",any"`
}

// maxCreateBucketElems and maxCreateBucketItems bound a CreateBucket
// configuration: the root, LocationConstraint, Location and Bucket with
// two children each, and Tags with S3's 50 tags of Key and Value.
const (
	maxCreateBucketElems = 8 + 1 + 50*3
	maxCreateBucketItems = 50
)

// parseCreateBucketConfiguration decodes a CreateBucket body of at most
// maxCreateBucketBody bytes within the XML element, list and depth limits
// (MalformedXML past them).
func parseCreateBucketConfiguration(data []byte) (createBucketConfiguration, error) {
	var cfg createBucketConfiguration
	err := readXML(bytes.NewReader(data), maxCreateBucketBody, maxCreateBucketElems, maxCreateBucketItems, &cfg)
	return cfg, err
}

func (a *API) createBucket(rq *request) error {
	if !validBucketName(rq.bucket) {
		return s3Err(codeInvalidBucketName).with("BucketName", rq.bucket)
	}
	// The configuration is optional; an empty body means the endpoint's
	// region.
	data, err := io.ReadAll(io.LimitReader(rq.res.Body, maxCreateBucketBody+1))
	if err != nil {
		return err
	}
	if len(data) > maxCreateBucketBody {
		return s3Err(codeMaxMessageLengthExceeded)
	}
	if len(strings.TrimSpace(string(data))) > 0 {
		cfg, err := parseCreateBucketConfiguration(data)
		if err != nil {
			return err
		}
		if err := refuseElements("CreateBucket", cfg.Other); err != nil {
			return err
		}
		if lc := cfg.LocationConstraint; lc != "" && lc != a.cfg.Region {
			return locationConstraintError(lc)
		}
	}
	b, err := a.newBucketAccess(rq)
	if err != nil {
		return err
	}
	b.Name, b.Region, b.Created = rq.bucket, a.cfg.Region, a.cfg.Clock.Now()
	err = a.cfg.Meta.CreateBucket(rq.r.Context(), b)
	if err != nil {
		if ae, ok := toAPIError(rq.r, err); ok && ae.Code == codeBucketAlreadyOwnedByYou {
			return ae.with("BucketName", rq.bucket)
		}
		return err
	}
	rq.w.Header().Set("Location", "/"+rq.bucket)
	rq.w.Header().Set("Content-Length", "0")
	rq.w.WriteHeader(http.StatusOK)
	return nil
}

// regionName is the shape of every AWS region's name (us-east-1,
// us-gov-west-1, eu-isoe-west-1).
var regionName = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// locationConstraintError is AWS's answer to a LocationConstraint other
// than the server's region: another region is a legal constraint this
// endpoint cannot serve; anything else is no location at all. "EU" is the
// legacy name of eu-west-1.
func locationConstraintError(lc string) *apiError {
	if lc == "EU" || regionName.MatchString(lc) {
		return s3Err(codeIllegalLocationConstraintException).
			msg("The " + lc + " location constraint is incompatible for the region specific endpoint this request was sent to.")
	}
	return s3Err(codeInvalidLocationConstraint)
}

// validBucketName applies S3's general-purpose bucket naming rules.
func validBucketName(n string) bool {
	if len(n) < 3 || len(n) > 63 {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	first, last := n[0], n[len(n)-1]
	if first == '.' || first == '-' || last == '.' || last == '-' {
		return false
	}
	if strings.Contains(n, "..") || strings.Contains(n, ".-") || strings.Contains(n, "-.") {
		return false
	}
	if net.ParseIP(n) != nil {
		return false
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(n, p) {
			return false
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(n, s) {
			return false
		}
	}
	return true
}

// noSuchBucket adds BucketName to NoSuchBucket errors, as AWS does.
func noSuchBucket(err error, bucket string) error {
	if err == meta.ErrNoSuchBucket || isCode(err, codeNoSuchBucket) {
		return s3Err(codeNoSuchBucket).with("BucketName", bucket)
	}
	return err
}

func isCode(err error, code errorCode) bool {
	ae, ok := err.(*apiError)
	return ok && ae.Code == code
}

// requireBucket fails with NoSuchBucket unless the bucket exists.
func (a *API) requireBucket(rq *request) (meta.Bucket, error) {
	b, err := a.cfg.Meta.GetBucket(rq.r.Context(), rq.bucket)
	if err != nil {
		return b, noSuchBucket(err, rq.bucket)
	}
	return b, nil
}

func (a *API) headBucket(rq *request) error {
	b, err := a.requireBucket(rq)
	if err != nil {
		return err
	}
	rq.w.Header().Set("x-amz-bucket-region", a.bucketRegion(b))
	rq.w.WriteHeader(http.StatusOK)
	return nil
}

func (a *API) deleteBucket(rq *request) error {
	blobs, err := a.cfg.Meta.DeleteBucket(rq.r.Context(), rq.bucket)
	if err != nil {
		return noSuchBucket(err, rq.bucket)
	}
	a.deleteBlobs(rq, blobs)
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}

type locationConstraint struct {
	XMLName xml.Name `xml:"LocationConstraint"`
	NS      string   `xml:"xmlns,attr"`
	Region  string   `xml:",chardata"`
}

func (a *API) getBucketLocation(rq *request) error {
	b, err := a.requireBucket(rq)
	if err != nil {
		return err
	}
	region := a.bucketRegion(b)
	// us-east-1 is reported as an empty constraint, as AWS does for
	// buckets in the original region.
	if region == "us-east-1" {
		region = ""
	}
	return writeXML(rq.w, http.StatusOK, locationConstraint{NS: s3NS, Region: region})
}

type versioningConfiguration struct {
	XMLName xml.Name `xml:"VersioningConfiguration"`
	NS      string   `xml:"xmlns,attr"`
}

// getBucketVersioning reports a never-versioned bucket: an empty
// configuration, as AWS returns before versioning is first enabled.
func (a *API) getBucketVersioning(rq *request) error {
	if _, err := a.requireBucket(rq); err != nil {
		return err
	}
	return writeXML(rq.w, http.StatusOK, versioningConfiguration{NS: s3NS})
}
