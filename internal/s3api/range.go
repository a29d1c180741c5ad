package s3api

import (
	"strconv"
	"strings"
)

// byteRange is an inclusive range resolved against an object's size.
type byteRange struct {
	start, end int64
}

func (b byteRange) length() int64 { return b.end - b.start + 1 }

// parseRange resolves a Range header against size. It returns ok=false
// when the header is to be ignored (absent, malformed, or several ranges:
// S3 serves one range only and answers a multi-range request with the whole
// object) and an InvalidRange error when the single range is unsatisfiable.
func parseRange(h string, size int64) (r byteRange, ok bool, err error) {
	spec, found := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return r, false, nil
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return r, false, nil
	}
	unsatisfiable := func() error {
		return s3Err(codeInvalidRange).with("RangeRequested", h).with("ActualObjectSize", itoa(size))
	}
	if first == "" {
		// Suffix range: the last n bytes.
		n, perr := strconv.ParseInt(last, 10, 64)
		if perr != nil || n < 0 {
			return r, false, nil
		}
		if n == 0 || size == 0 {
			return r, false, unsatisfiable()
		}
		if n > size {
			n = size
		}
		return byteRange{size - n, size - 1}, true, nil
	}
	start, perr := strconv.ParseInt(first, 10, 64)
	if perr != nil || start < 0 {
		return r, false, nil
	}
	end := size - 1
	if last != "" {
		e, perr := strconv.ParseInt(last, 10, 64)
		if perr != nil || e < start {
			return r, false, nil
		}
		end = min(e, size-1)
	}
	if start >= size {
		return r, false, unsatisfiable()
	}
	return byteRange{start, end}, true, nil
}

func parseNonNeg(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err == nil && n < 0 {
		err = strconv.ErrRange
	}
	return n, err
}
