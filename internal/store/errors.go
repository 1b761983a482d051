package store

import (
	"errors"
	"fmt"
)

// Kind classifies a domain error; the API maps each kind to one status.
type Kind int

const (
	KindInvalid         Kind = iota + 1 // the request names a bad value
	KindUnauthenticated                 // no usable credentials
	KindForbidden                       // authenticated, not allowed
	KindNotFound                        // an id or name that does not exist
	KindDuplicate                       // a unique name or email is taken
	// KindServerError is a 500 that Domino was observed to answer, for
	// input it does not handle (an unknown project on the environment
	// variable routes, an unknown enum value in a query): not a failure of
	// the mock.
	KindServerError
	KindTooLarge // content past a size limit (files.go)
)

// Error is a domain error with a message fit to show the caller.
type Error struct {
	Kind    Kind
	Message string
	// Reason says which check refused a credential, for the journal and
	// the debug log only: the caller is answered Message. Never a secret.
	Reason string
}

func (e *Error) Error() string { return e.Message }

func errorf(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of a domain error, or 0 for any other error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// ErrUnauthenticated is the one answer to every unusable credential: which
// check failed is not told to the caller.
var ErrUnauthenticated = &Error{Kind: KindUnauthenticated, Message: "Unauthorized: missing, invalid or expired credentials"}

// Unauthenticated is ErrUnauthenticated saying why, to the journal and the
// debug log only (Reason).
func Unauthenticated(format string, args ...any) error {
	return &Error{Kind: KindUnauthenticated, Message: ErrUnauthenticated.Message, Reason: fmt.Sprintf(format, args...)}
}

// errCallerGone refuses a caller that authenticated and whose user a reset
// or an import then removed, before its change was made.
var errCallerGone = Unauthenticated("the caller's user is no longer in the state (a reset or an import replaced it)")
