package e2e

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBoto3ListEncoding: botocore asks for EncodingType=url on every
// listing and decodes what S3 encodes with unquote_plus; keys with spaces,
// "+", "%", non-ASCII letters and control characters come back exactly as
// they were put, and so do the prefixes, delimiter, start-after and marker.
func TestBoto3ListEncoding(t *testing.T) {
	t.Parallel()
	requireTool(t, "python3", "-c", "import boto3")
	c := newClientEnv(t)
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_list_encoding.py"))
	if err != nil {
		t.Fatal(err)
	}
	r := c.run(t, "", "python3", script, mainSrv.endpoint, "boto3-listenc")
	var out struct {
		Error, Traceback string
		Put              []string
		V2Keys           []string `json:"v2_keys"`
		V2Prefixes       []string `json:"v2_prefixes"`
		V2Delimiter      string   `json:"v2_delimiter"`
		V2StartAfter     string   `json:"v2_start_after"`
		V1Keys           []string `json:"v1_keys"`
		V1Prefix         string   `json:"v1_prefix"`
		V1Marker         string   `json:"v1_marker"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(lastLine(r.stdout))), &out); err != nil {
		t.Fatalf("script output is not JSON: %v\n%s", err, r)
	}
	if r.err != nil || out.Error != "" {
		t.Fatalf("boto3 flow failed: %s\n%s\n%s", out.Error, out.Traceback, r)
	}
	if !slices.Equal(out.V2Keys, out.Put) {
		t.Errorf("ListObjectsV2 keys %q, want %q", out.V2Keys, out.Put)
	}
	if want := []string{"a+b/", "ctl\x01\x1f/", "é ü/"}; !slices.Equal(out.V2Prefixes, want) || out.V2Delimiter != "/" || out.V2StartAfter != "a b/one" {
		t.Errorf("ListObjectsV2 delimited: prefixes %q delimiter %q start-after %q, want %q / %q", out.V2Prefixes, out.V2Delimiter, out.V2StartAfter, want, "a b/one")
	}
	// ListObjects (V1) encodes Prefix too, as S3's documentation says, but
	// botocore decodes only Delimiter, Marker, NextMarker and the keys of
	// a V1 listing, so its Prefix stays encoded, as against S3.
	if !slices.Equal(out.V1Keys, []string{"ctl\x01\x1f/five"}) || out.V1Prefix != "ctl%01%1F/" || out.V1Marker != "ctl\x01\x1f/" {
		t.Errorf("ListObjects: keys %q prefix %q marker %q", out.V1Keys, out.V1Prefix, out.V1Marker)
	}
}
