package iam

import (
	"crypto/rand"
	"fmt"
)

// Prefixes of IAM unique IDs ("Unique ID prefixes" in the IAM User Guide).
const (
	PrefixAccessKey     = "AKIA" // long-term access key
	PrefixTempAccessKey = "ASIA" // temporary (STS) access key
	PrefixUser          = "AIDA"
	PrefixRole          = "AROA"
	PrefixPolicy        = "ANPA" // managed policy
)

// idAlphabet is base32's: the characters AWS IDs are made of after the
// prefix (upper-case letters and the digits 2-7).
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// idRandomLen is how many random characters follow the prefix: 16, for
// IDs of 20 characters as AWS's access key IDs are.
const idRandomLen = 16

// NewID returns prefix followed by 16 characters from crypto/rand in AWS's
// ID alphabet. 32 symbols are 5 bits each, so every byte's low 5 bits pick
// a character without bias; 80 random bits make collisions negligible.
func NewID(prefix string) (string, error) {
	var raw [idRandomLen]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("iam: generating an ID: %w", err)
	}
	b := make([]byte, 0, len(prefix)+idRandomLen)
	b = append(b, prefix...)
	for _, r := range raw {
		b = append(b, idAlphabet[r&31])
	}
	return string(b), nil
}
