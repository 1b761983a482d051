package conformance

import (
	"github.com/mockdomino/mockdomino/internal/server"
)

// Mock is an in-process mockdomino with the default fixtures, on free
// loopback ports.
type Mock struct {
	srv *server.Server
}

// StartMock starts a mock that behaves as the named profile.
func StartMock(profile string) (*Mock, error) {
	srv, err := server.Start(server.Config{
		Listen:      "127.0.0.1:0",
		ProxyListen: "127.0.0.1:0",
		Profile:     profile,
	})
	if err != nil {
		return nil, err
	}
	return &Mock{srv: srv}, nil
}

// Target reaches the mock through both listeners with the fixtures' keys.
// The mock starts without --external-url, so its tokens' iss is based on
// the API address; ExternalURL says so even when a caller later puts
// something in front of APIHost.
func (m *Mock) Target() Target {
	return Target{APIHost: m.srv.APIURL(), APIProxy: m.srv.ProxyURL(), ExternalURL: m.srv.APIURL()}.WithMockDefaults()
}

// Close stops the mock.
func (m *Mock) Close() error { return m.srv.Close() }
