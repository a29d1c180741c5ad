package cli

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"

	"signet/internal/atomicfile"
)

// sharedCredentialsFile is the file the AWS CLI reads keys from:
// AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials. It reads the
// process environment, as the SDK that later reads the file does.
func sharedCredentialsFile() string {
	if p := os.Getenv("AWS_SHARED_CREDENTIALS_FILE"); p != "" {
		if strings.HasPrefix(p, "~/") {
			if home, err := os.UserHomeDir(); err == nil {
				p = filepath.Join(home, p[2:])
			}
		}
		return p
	}
	return config.DefaultSharedCredentialsFilename()
}

// saveProfileKey writes an access key into profile's section of the
// shared credentials file at path, creating the file (0600, in a 0700
// directory) or the section as needed. Every other byte of the file is
// kept as it was: other sections, comments, the section's other keys. A
// session token left in the section is dropped, since it would turn the
// long-term key into a broken session. It returns the access key ID the
// section held before, if another. The file ends up 0600, as it holds
// secrets.
func saveProfileKey(path, profile, keyID, secretKey string) (replaced string, err error) {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return "", err
		}
	}
	out, replaced := setProfileKey(string(old), profile, keyID, secretKey)
	return replaced, atomicfile.WriteFile(path, []byte(out), 0o600)
}

// setProfileKey is saveProfileKey's edit of the file's text.
func setProfileKey(text, profile, keyID, secretKey string) (string, string) {
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	lines := strings.SplitAfter(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	want := map[string]string{"aws_access_key_id": keyID, "aws_secret_access_key": secretKey}
	var out []string
	var replaced string
	in, found := false, false
	// flush adds the keys the section lacked, after its last key line.
	flush := func() {
		if !in {
			return
		}
		at := len(out)
		for at > 0 && strings.TrimSpace(out[at-1]) == "" {
			at-- // before the blank lines that end the section
		}
		var add []string
		for _, k := range []string{"aws_access_key_id", "aws_secret_access_key"} {
			if v, ok := want[k]; ok {
				add = append(add, k+" = "+v+"\n")
				delete(want, k)
			}
		}
		out = append(out[:at], append(add, out[at:]...)...)
	}
	for _, line := range lines {
		if name, ok := sectionName(line); ok {
			flush()
			in = name == profile
			found = found || in
			out = append(out, line)
			continue
		}
		if in {
			k, v, isKey := strings.Cut(line, "=")
			k = strings.ToLower(strings.TrimSpace(k))
			if isKey && k == "aws_session_token" || isKey && k == "aws_security_token" {
				continue
			}
			if nv, ok := want[k]; ok && isKey {
				if k == "aws_access_key_id" && strings.TrimSpace(v) != keyID {
					replaced = strings.TrimSpace(v)
				}
				line = k + " = " + nv + "\n"
				delete(want, k)
			}
		}
		out = append(out, line)
	}
	flush()
	if !found {
		if n := len(out); n > 0 && strings.TrimSpace(out[n-1]) != "" {
			out = append(out, "\n")
		}
		out = append(out, "["+profile+"]\n", "aws_access_key_id = "+keyID+"\n", "aws_secret_access_key = "+secretKey+"\n")
	}
	return strings.Join(out, ""), replaced
}

// sectionName reads a "[name]" line, as the AWS CLI's parser does.
func sectionName(line string) (string, bool) {
	t := strings.TrimSpace(line)
	if len(t) < 2 || t[0] != '[' || t[len(t)-1] != ']' {
		return "", false
	}
	return strings.TrimSpace(t[1 : len(t)-1]), true
}
