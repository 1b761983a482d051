// Package profile is the table of behaviours that differ between Domino
// versions or are known defects. Everything inferred or version-dependent
// that a user may need to change lives here, so it changes in one place.
package profile

import (
	"fmt"
	"net/http"
	"os"
)

// Profile is one named set of version-dependent behaviours.
type Profile struct {
	Name string `json:"name"`
	// DuplicateStatus answers a duplicate service-account username or email
	// and a duplicate token name. Observed: 500.
	DuplicateStatus int `json:"duplicateStatus"`
	// ReactivatedTokensLackSub reproduces the observed defect: a token
	// created after the account was deactivated and activated again has no
	// `sub` claim, so it cannot be used.
	ReactivatedTokensLackSub bool `json:"reactivatedTokensLackSub"`
	// Statuses of the token and account actions.
	CreateTokenStatus   int `json:"createTokenStatus"`
	InvalidateStatus    int `json:"invalidateStatus"`
	DeleteTokenStatus   int `json:"deleteTokenStatus"`
	CreateAccountStatus int `json:"createAccountStatus"`
	DeactivateStatus    int `json:"deactivateStatus"`
	ActivateStatus      int `json:"activateStatus"`
	ResetPasswordStatus int `json:"resetPasswordStatus"`
	// PublicDuplicateStatus answers a duplicate on the public API
	// (/api/serviceAccounts/v1). Not observed: like /v4 (inferred).
	PublicDuplicateStatus int `json:"publicDuplicateStatus"`
	// PublicPaging says where a public API list puts offset, limit and
	// totalCount: "flat" in metadata (the spec's allOf, read literally) or
	// "nested" under metadata.pagination (the spec's required list). Not
	// observed (inferred).
	PublicPaging string `json:"publicPaging"`
}

// Where a public API list puts its paging fields.
const (
	PagingFlat   = "flat"
	PagingNested = "nested"
)

// Observed is real Domino as the service-account notebook saw it (docs/sources.md).
func Observed() Profile {
	return Profile{
		Name:                     "observed",
		DuplicateStatus:          http.StatusInternalServerError,
		ReactivatedTokensLackSub: true,
		CreateTokenStatus:        http.StatusCreated,
		InvalidateStatus:         http.StatusOK,
		DeleteTokenStatus:        http.StatusOK,
		CreateAccountStatus:      http.StatusCreated,
		DeactivateStatus:         http.StatusCreated,
		ActivateStatus:           http.StatusCreated,
		ResetPasswordStatus:      http.StatusCreated,
		PublicDuplicateStatus:    http.StatusInternalServerError,
		PublicPaging:             PagingFlat,
	}
}

// Strict is what a careful API would do.
func Strict() Profile {
	p := Observed()
	p.Name = "strict"
	p.DuplicateStatus = http.StatusConflict
	p.PublicDuplicateStatus = http.StatusConflict
	p.ReactivatedTokensLackSub = false
	return p
}

// Load returns a built-in profile by name, or reads a JSON file. A file may
// name a built-in profile in "base" and override only some fields.
func Load(nameOrPath string) (Profile, error) {
	switch nameOrPath {
	case "", "observed":
		return Observed(), nil
	case "strict":
		return Strict(), nil
	}
	data, err := os.ReadFile(nameOrPath)
	if err != nil {
		return Profile{}, fmt.Errorf("profile %q is neither observed, strict nor a readable file: %w", nameOrPath, err)
	}
	return Parse(data, nameOrPath)
}

// Parse reads a profile document; name is used in errors and as the default
// name. What a file says beside the profile (ParseDocument) is checked and
// left out.
func Parse(data []byte, name string) (Profile, error) {
	d, err := ParseDocument(data, name)
	return d.Profile, err
}
