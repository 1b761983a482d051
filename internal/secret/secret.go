// Package secret keeps key material out of error messages and usage text.
// Flags such as --signing-key and --tls-key take a file's path or the PEM
// content itself (containers pass keys in environment variables); either
// way the value may be a secret, so it is echoed only when it is plainly a
// path.
package secret

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"
)

// IsPEM says whether a flag's value is PEM content rather than a path.
func IsPEM(value string) bool {
	return strings.HasPrefix(strings.TrimLeft(value, " \t\r\n"), "-----BEGIN")
}

// ReadPEM reads what such a flag gives: the PEM content itself when the
// value starts with -----BEGIN (one written on a single line with \n for
// its newlines too, as environment files must), else the file at that
// path. name is what errors about the data should call it: the path, or
// "given as PEM content". what names the flag in ReadPEM's own errors
// ("signing key (--signing-key)").
func ReadPEM(value, what string) (data []byte, name string, err error) {
	if IsPEM(value) {
		v := strings.TrimLeft(value, " \t\r\n")
		if !strings.Contains(v, "\n") {
			v = strings.ReplaceAll(v, `\n`, "\n")
		}
		return []byte(v), "given as PEM content", nil
	}
	data, err = os.ReadFile(value)
	if err == nil {
		return data, value, nil
	}
	if MayShow(value) {
		return nil, "", fmt.Errorf("reading %s: %w", what, err)
	}
	reason := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) {
		reason = pe.Err.Error()
	}
	return nil, "", fmt.Errorf("reading %s: the value is neither PEM content (-----BEGIN …) nor a file that can be read (%s); it is not shown, as it may be key material", what, reason)
}

// keyRun is a run of base64 characters long enough to be key material.
var keyRun = regexp.MustCompile(`[A-Za-z0-9+=_-]{24,}`)

// MayShow says whether a value may be echoed: one line, and nothing in it
// that could be key material (PEM, or a long run of base64 mixing upper
// case, lower case and digits, as keys and tokens do and names rarely do).
func MayShow(value string) bool {
	if IsPEM(value) || strings.Contains(value, "-----BEGIN") || len(value) > 1024 {
		return false
	}
	for _, r := range value {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	for _, run := range keyRun.FindAllString(value, -1) {
		if looksRandom(run) {
			return false
		}
	}
	return true
}

func looksRandom(run string) bool {
	var upper, lower, digit bool
	for _, r := range run {
		switch {
		case 'A' <= r && r <= 'Z':
			upper = true
		case 'a' <= r && r <= 'z':
			lower = true
		case '0' <= r && r <= '9':
			digit = true
		}
	}
	return upper && lower && digit
}

// pemBlock is a PEM block, whole or cut short, newlines real or written \n.
var pemBlock = regexp.MustCompile(`-----BEGIN[^-]*-----(?s:.*?)(?:-----END[^-]*-----|$)`)

// Redact replaces in text whatever could be key material: PEM blocks, and
// runs that MayShow would refuse.
func Redact(text string) string {
	text = pemBlock.ReplaceAllString(text, "<PEM content not shown>")
	return keyRun.ReplaceAllStringFunc(text, func(run string) string {
		if looksRandom(run) {
			return "<not shown>"
		}
		return run
	})
}
