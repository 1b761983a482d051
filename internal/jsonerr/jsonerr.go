// Package jsonerr says where a JSON document a person wrote went wrong:
// encoding/json gives a byte offset, or nothing at all for a document cut
// short or an empty file, and whoever edits the file needs a line and a
// column.
package jsonerr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// ErrEmpty is a document with nothing but white space in it.
var ErrEmpty = errors.New("the file is empty: want a JSON object")

// Describe returns err, from decoding data, with the line and column (both
// from 1, columns in characters) of where it happened, or ErrEmpty for an
// empty document. Errors that carry no position are returned as they are.
func Describe(data []byte, err error) error {
	if err == nil {
		return nil
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return ErrEmpty
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &syn) && syn.Error() == "unexpected end of JSON input":
		return at(data, int64(len(data)), errors.New("the document ends too soon (a missing } or ])"))
	case errors.As(err, &syn):
		// Offset counts the bytes read, the offending one included.
		return at(data, syn.Offset-1, err)
	case errors.As(err, &typ):
		return at(data, typ.Offset-1, err)
	}
	return err
}

// Trailing is the error for data after the document, which starts at
// offset: json.Decoder stops after one value and would ignore it.
func Trailing(data []byte, offset int64) error {
	rest := offset + int64(len(data[offset:])-len(bytes.TrimLeft(data[offset:], " \t\r\n")))
	return at(data, rest, errors.New("data after the end of the document"))
}

// Position is the line and column (from 1) of data[offset].
func Position(data []byte, offset int64) (line, column int) {
	offset = max(0, min(offset, int64(len(data))))
	before := data[:offset]
	start := bytes.LastIndexByte(before, '\n') + 1
	return bytes.Count(before, []byte("\n")) + 1, utf8.RuneCount(before[start:]) + 1
}

func at(data []byte, offset int64, err error) error {
	line, col := Position(data, offset)
	return fmt.Errorf("line %d, column %d: %w", line, col, err)
}
