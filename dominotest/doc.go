// Package dominotest starts a complete mockdomino in-process, for Go tests of
// code that talks to Domino:
//
//	func TestMyClient(t *testing.T) {
//		srv := dominotest.NewServer(t)
//		sa := srv.CreateServiceAccount(t, "ci-bot")
//		client := myclient.New(srv.APIURL, sa.Token)
//		...
//	}
//
// The server listens on free loopback ports and shuts down in t.Cleanup. It
// is the same server the mockdomino binary runs, with the embedded default
// fixtures unless told otherwise.
//
// # Errors
//
// Every helper that can fail comes twice. The one that takes a testing.TB,
// always first, fails the test (t.Fatal) when it cannot do what it says,
// and returns no error: CreateServiceAccount(t, "ci-bot"). Its twin, named
// with an E suffix, takes the other arguments and returns the same results
// and an error instead, for code without a testing.TB (an Example,
// TestMain) or a test that expects the failure:
// CreateServiceAccountE("ci-bot"). Start is NewServer's twin. The methods
// that cannot fail (Now, Journal, ClearJournal, Faults, ClearFaults,
// MetricAlerts) take neither, and Close returns an error as an io.Closer
// does.
//
// The helpers act as the fixtures' administrator, "admin", unless they
// say whom they act as. Constants name what the default fixtures hold:
// ProjectID, AdminAPIKey, AliceID, DefaultEnvironmentID, ….
package dominotest
