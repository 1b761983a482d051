package dominotest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/dominotest"
)

// A test starts a mock, makes a service account with a token, and calls the
// API host with it.
func Example() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	sa, err := srv.CreateServiceAccountE("ci-bot")
	if err != nil {
		panic(err)
	}

	req, _ := http.NewRequest("GET", srv.APIURL+"/v4/users/self", nil)
	req.Header.Set("Authorization", "Bearer "+sa.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)

	// Four months later the token has expired.
	srv.AdvanceClock(121 * 24 * time.Hour)
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	fmt.Println(resp.Status)
	// Output:
	// 200 OK
	// 401 Unauthorized
}

func TestNewServer(t *testing.T) {
	srv := dominotest.NewServer(t, dominotest.WithProfile("strict"))
	sa := srv.CreateServiceAccount(t, "builder")
	srv.AddCollaborator(t, "64b7f0a1c2d3e4f5a6b7c901", sa.ID, "Contributor")

	req, _ := http.NewRequest("GET", srv.APIURL+"/v4/projects/64b7f0a1c2d3e4f5a6b7c901", nil)
	req.Header.Set("Authorization", "Bearer "+sa.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("collaborator reading the project: %s", resp.Status)
	}

	// The proxy needs no credentials and acts as the admin.
	resp, err = http.Post(srv.ProxyURL+"/v4/serviceAccounts", "application/json",
		strings.NewReader(`{"username":"builder","email":"other@example.com"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("duplicate under the strict profile: %s, want 409", resp.Status)
	}

	srv.Reset()
	req, _ = http.NewRequest("GET", srv.APIURL+"/v4/users/self", nil)
	req.Header.Set("Authorization", "Bearer "+sa.Token)
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("token after reset: %s, want 401", resp.Status)
	}
	if srv.AdminAPIKey == "" || srv.UserAPIKey == "" {
		t.Fatal("default keys not exposed")
	}
}
