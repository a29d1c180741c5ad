package s3api

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"signet/internal/meta"
)

type listAllMyBucketsResult struct {
	XMLName           xml.Name    `xml:"ListAllMyBucketsResult"`
	NS                string      `xml:"xmlns,attr"`
	Owner             ownerXML    `xml:"Owner"`
	Buckets           []bucketXML `xml:"Buckets>Bucket"`
	ContinuationToken string      `xml:"ContinuationToken,omitempty"`
	Prefix            *string     `xml:"Prefix"`
}

// maxListBuckets is S3's ceiling on max-buckets.
const maxListBuckets = 10000

type bucketXML struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
	BucketRegion string `xml:"BucketRegion"`
}

// bucketPage is a ListBuckets request's selection: buckets whose names
// start with prefix and come after after, in region (when set), at most
// max of them (0: no limit, S3's answer without max-buckets).
type bucketPage struct {
	prefix, after, region string
	hasPrefix             bool
	max                   int
}

func parseBucketPage(q url.Values) (bucketPage, error) {
	p := bucketPage{region: q.Get("bucket-region")}
	p.prefix, p.hasPrefix = q.Get("prefix"), q.Has("prefix")
	if v, ok := q["max-buckets"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 || n > maxListBuckets {
			return p, s3Err(codeInvalidArgument).msg("Argument max-buckets must be an integer between 1 and 10000.").
				with("ArgumentName", "max-buckets").with("ArgumentValue", v[0])
		}
		p.max = n
	}
	if v, ok := q["continuation-token"]; ok {
		// The token is the last name of the previous page, opaque to
		// clients as S3's is.
		dec, err := base64.RawURLEncoding.DecodeString(v[0])
		if err != nil || v[0] == "" {
			return p, s3Err(codeInvalidArgument).msg("The continuation token provided is incorrect").
				with("ArgumentName", "continuation-token")
		}
		p.after = string(dec)
	}
	return p, nil
}

func (a *API) listBuckets(rq *request) error {
	p, err := parseBucketPage(rq.query)
	if err != nil {
		return err
	}
	bs, err := a.cfg.Meta.ListBuckets(rq.r.Context())
	if err != nil {
		return err
	}
	out := listAllMyBucketsResult{NS: s3NS, Owner: owner, Buckets: []bucketXML{}}
	if p.hasPrefix {
		out.Prefix = &p.prefix
	}
	for _, b := range bs {
		region := a.bucketRegion(b)
		if !strings.HasPrefix(b.Name, p.prefix) || b.Name <= p.after || (p.region != "" && region != p.region) {
			continue
		}
		if p.max > 0 && len(out.Buckets) == p.max {
			// Another bucket follows the page: continue after its last.
			out.ContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(out.Buckets[p.max-1].Name))
			break
		}
		out.Buckets = append(out.Buckets, bucketXML{Name: b.Name, CreationDate: isoTime(b.Created), BucketRegion: region})
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
		ae, ok := toAPIError(rq.r, err)
		if !ok || ae.Code != codeBucketAlreadyOwnedByYou {
			return err
		}
		// Every bucket belongs to the one account, so an existing bucket
		// is the caller's own. In us-east-1 S3 keeps its legacy answer to
		// re-creating one: 200 OK, as for a new bucket; every other
		// region answers BucketAlreadyOwnedByYou.
		if a.cfg.Region != "us-east-1" {
			return ae.with("BucketName", rq.bucket)
		}
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
