package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

const (
	maxDocSize = 128 << 10
	maxDepth   = 64
)

// object keeps a JSON object's members in document order; encoding/json's
// map decoding would silently keep the last of duplicate keys, and a
// policy with two Effect members must not mean whichever came last.
type object struct {
	keys []string
	vals []any
}

// decodeJSON reads one JSON value into string, json.Number, bool, nil,
// []any and *object, refusing trailing data, duplicate keys and nesting
// deeper than maxDepth. It works token by token so a hostile document is
// rejected as soon as it goes too deep, before it is built.
func decodeJSON(doc []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	v, err := readValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errMsg(msgSyntax)
	}
	return v, nil
}

func readValue(dec *json.Decoder, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, errMsg(msgSyntax)
	}
	switch t := tok.(type) {
	case json.Delim:
		if depth+1 > maxDepth {
			return nil, errMsg(msgTooDeep)
		}
		switch t {
		case '{':
			return readObject(dec, depth+1)
		case '[':
			return readArray(dec, depth+1)
		}
		return nil, errMsg(msgSyntax)
	default:
		return t, nil
	}
}

func readObject(dec *json.Decoder, depth int) (any, error) {
	obj := &object{}
	var seen map[string]bool // only for large objects, to stay linear
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, errMsg(msgSyntax)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errMsg(msgSyntax)
		}
		if seen == nil && len(obj.keys) >= 8 {
			seen = make(map[string]bool, 16)
			for _, k := range obj.keys {
				seen[k] = true
			}
		}
		dup := false
		if seen != nil {
			dup = seen[key]
			seen[key] = true
		} else {
			for _, k := range obj.keys {
				if k == key {
					dup = true
					break
				}
			}
		}
		if dup {
			return nil, errf("Duplicate field %s", echo(key))
		}
		v, err := readValue(dec, depth)
		if err != nil {
			return nil, err
		}
		obj.keys = append(obj.keys, key)
		obj.vals = append(obj.vals, v)
	}
	if _, err := dec.Token(); err != nil {
		return nil, errMsg(msgSyntax)
	}
	return obj, nil
}

func readArray(dec *json.Decoder, depth int) (any, error) {
	arr := []any{}
	for dec.More() {
		v, err := readValue(dec, depth)
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
	}
	if _, err := dec.Token(); err != nil {
		return nil, errMsg(msgSyntax)
	}
	return arr, nil
}
