package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// rcloneEnv configures rclone's remote "signet" through its environment
// variables (provider Other, path style, the root's keys), with an empty
// config file of its own so that no user configuration is read.
func rcloneEnv(t *testing.T, c *clientEnv) {
	t.Helper()
	conf := filepath.Join(c.home, "rclone.conf")
	if err := os.WriteFile(conf, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	c.env = append(c.env,
		"RCLONE_CONFIG="+conf,
		"RCLONE_CONFIG_SIGNET_TYPE=s3",
		"RCLONE_CONFIG_SIGNET_PROVIDER=Other",
		"RCLONE_CONFIG_SIGNET_ENDPOINT="+mainSrv.endpoint,
		"RCLONE_CONFIG_SIGNET_REGION=us-east-1",
		"RCLONE_CONFIG_SIGNET_FORCE_PATH_STYLE=true",
		"RCLONE_CONFIG_SIGNET_ACCESS_KEY_ID="+rootAK,
		"RCLONE_CONFIG_SIGNET_SECRET_ACCESS_KEY="+rootSK,
	)
}

// rcloneVersionName is the name rclone --s3-versions gives an old
// version: the key with "-v" and the version's LastModified (UTC, to the
// millisecond) before its extension.
func rcloneVersionName(key string, modified time.Time) string {
	ext := filepath.Ext(key)
	stamp := strings.Replace(modified.UTC().Format("2006-01-02-150405.000"), ".", "-", 1)
	return strings.TrimSuffix(key, ext) + "-v" + stamp + ext
}

// rcloneLs is `rclone ls` as a sorted list of "size name" lines.
func rcloneLs(t *testing.T, c *clientEnv, args ...string) []string {
	t.Helper()
	r := c.ok(t, "", "rclone", append([]string{"ls"}, args...)...)
	var lines []string
	for l := range strings.Lines(r.stdout) {
		if f := strings.Fields(l); len(f) == 2 {
			lines = append(lines, f[0]+" "+f[1])
		}
	}
	slices.Sort(lines)
	return lines
}

// TestRcloneVersions: rclone (provider Other) against a versioned bucket
// with two versions of one object and a deleted one. `rclone ls` lists
// the current object alone; with --s3-versions it lists the old versions
// too, named by their LastModified as rclone names them, and reads an old
// version's bytes by that name. `rclone sync` uploads a tree and, when a
// file goes, deletes it (a delete marker); `rclone copy` brings it back;
// `rclone delete` removes the files and `rclone purge` the bucket with
// every version in it.
func TestRcloneVersions(t *testing.T) {
	t.Parallel()
	requireTool(t, "rclone", "version")
	requireTool(t, "aws", "--version")
	c := newClientEnv(t)
	rcloneEnv(t, c)
	const bucket = "rclone-versions"
	dir := t.TempDir()
	for name, body := range map[string]string{"one.txt": "one", "two.txt": "two-two"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c.aws(t, "", "s3", "mb", "s3://"+bucket)
	c.aws(t, "", "s3api", "put-bucket-versioning", "--bucket", bucket, "--versioning-configuration", "Status=Enabled")
	c.ok(t, dir, "rclone", "copyto", "one.txt", "signet:"+bucket+"/doc.txt")
	c.ok(t, dir, "rclone", "copyto", "two.txt", "signet:"+bucket+"/doc.txt")
	c.ok(t, dir, "rclone", "copyto", "one.txt", "signet:"+bucket+"/gone.txt")
	c.ok(t, "", "rclone", "deletefile", "signet:"+bucket+"/gone.txt")

	var versions struct {
		Versions []struct {
			Key          string
			IsLatest     bool
			LastModified time.Time
		}
		DeleteMarkers []struct{ Key string }
	}
	c.awsJSON(t, "", &versions, "s3api", "list-object-versions", "--bucket", bucket)
	if len(versions.Versions) != 3 || len(versions.DeleteMarkers) != 1 || versions.DeleteMarkers[0].Key != "gone.txt" {
		t.Fatalf("list-object-versions after rclone's writes: %+v", versions)
	}
	want := []string{"7 doc.txt"}
	var oldDoc string
	for _, v := range versions.Versions {
		if !v.IsLatest {
			name := rcloneVersionName(v.Key, v.LastModified)
			want = append(want, "3 "+name)
			if v.Key == "doc.txt" {
				oldDoc = name
			}
		}
	}
	slices.Sort(want)
	if got := rcloneLs(t, c, "signet:"+bucket); !slices.Equal(got, []string{"7 doc.txt"}) {
		t.Errorf("rclone ls: %q, want the current doc.txt alone", got)
	}
	if got := rcloneLs(t, c, "--s3-versions", "signet:"+bucket); !slices.Equal(got, want) {
		t.Errorf("rclone ls --s3-versions: %q, want %q", got, want)
	}
	if r := c.ok(t, "", "rclone", "cat", "--s3-versions", "signet:"+bucket+"/"+oldDoc); r.stdout != "one" {
		t.Errorf("rclone cat of the old version %s: %q, want %q", oldDoc, r.stdout, "one")
	}

	// sync and copy, both ways.
	tree := filepath.Join(t.TempDir(), "tree")
	if err := os.MkdirAll(filepath.Join(tree, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeRandom(t, filepath.Join(tree, "a.bin"), 1000)
	b := writeRandom(t, filepath.Join(tree, "sub", "b.bin"), 2000)
	c.ok(t, "", "rclone", "sync", tree, "signet:"+bucket+"/tree")
	if got := rcloneLs(t, c, "signet:"+bucket+"/tree"); !slices.Equal(got, []string{"1000 a.bin", "2000 sub/b.bin"}) {
		t.Errorf("rclone ls after sync: %q", got)
	}
	if err := os.Remove(filepath.Join(tree, "a.bin")); err != nil {
		t.Fatal(err)
	}
	c.ok(t, "", "rclone", "sync", tree, "signet:"+bucket+"/tree")
	if got := rcloneLs(t, c, "signet:"+bucket+"/tree"); !slices.Equal(got, []string{"2000 sub/b.bin"}) {
		t.Errorf("rclone ls after a sync that removed a.bin: %q", got)
	}
	if got := rcloneLs(t, c, "--s3-versions", "signet:"+bucket+"/tree"); len(got) != 2 || !strings.HasPrefix(got[0], "1000 a-v") {
		t.Errorf("rclone ls --s3-versions after the sync: %q, want a.bin's old version too", got)
	}
	back := t.TempDir()
	c.ok(t, "", "rclone", "copy", "signet:"+bucket+"/tree", back)
	if got, err := os.ReadFile(filepath.Join(back, "sub", "b.bin")); err != nil || string(got) != string(b) {
		t.Errorf("rclone copy back: %v, %d bytes, want %d", err, len(got), len(b))
	}

	c.ok(t, "", "rclone", "delete", "signet:"+bucket+"/tree")
	if got := rcloneLs(t, c, "signet:"+bucket); !slices.Equal(got, []string{"7 doc.txt"}) {
		t.Errorf("rclone ls after rclone delete of tree/: %q", got)
	}
	c.ok(t, "", "rclone", "purge", "signet:"+bucket)
	if r := c.run(t, "", "aws", "--endpoint-url", mainSrv.endpoint, "s3api", "head-bucket", "--bucket", bucket); r.err == nil {
		t.Fatalf("the bucket still exists after rclone purge:\n%s", r)
	}
}
