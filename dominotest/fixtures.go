package dominotest

// What the embedded default fixtures hold, for tests to name instead of
// copying ids (a test keeps them equal to fixtures/default.json).
// With WithFixtures they name nothing, unless that file has them too.
const (
	// admin, an administrator (role SysAdmin): the API proxy acts as admin,
	// and so do the helpers.
	AdminID       = "64b7f0a1c2d3e4f5a6b7c801"
	AdminUserName = "admin"
	AdminAPIKey   = "mockdomino-admin-key-7c3f0e9a2b5d4c18" // X-Domino-Api-Key

	// alice, a user who is not an administrator and does not collaborate
	// on the fixtures' project.
	AliceID       = "64b7f0a1c2d3e4f5a6b7c802"
	AliceUserName = "alice"
	AliceAPIKey   = "mockdomino-alice-key-1e8b6d2f9a0c7e35"

	// admin/quick-start, a private project owned by admin, backed by git.
	ProjectID     = "64b7f0a1c2d3e4f5a6b7c901"
	ProjectOwner  = "admin"
	ProjectName   = "quick-start"
	RepositoryID  = "64b7f0a1c2d3e4f5a6b7ca01" // its main repository
	RepositoryURI = "https://github.com/mockdomino/quick-start.git"

	// The default environment (Global), which jobs run in unless they name
	// another, and its one revision.
	DefaultEnvironmentID         = "64b7f0a1c2d3e4f5a6b7cb01"
	DefaultEnvironmentName       = "Domino Standard Environment Py3.10 R4.4"
	DefaultEnvironmentRevisionID = "64b7f0a1c2d3e4f5a6b7cc01"

	// The hardware tiers: Small, the default, and Medium.
	DefaultHardwareTierID   = "small-k8s"
	DefaultHardwareTierName = "Small"
	MediumHardwareTierID    = "medium-k8s"
	MediumHardwareTierName  = "Medium"
)
