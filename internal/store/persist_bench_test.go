package store

import (
	"fmt"
	"testing"

	"github.com/mockdomino/mockdomino/internal/signing"
)

// BenchmarkCreateServiceAccount measures one acknowledged write, in memory
// and with --state (one fsync per write).
func BenchmarkCreateServiceAccount(b *testing.B) {
	keys, err := signing.Generate()
	if err != nil {
		b.Fatal(err)
	}
	for _, persisted := range []bool{false, true} {
		b.Run(fmt.Sprintf("persisted=%v", persisted), func(b *testing.B) {
			cfg := Config{Keys: keys, ExternalURL: "http://bench"}
			s := New(cfg)
			if persisted {
				if s, err = Open(cfg, b.TempDir()); err != nil {
					b.Fatal(err)
				}
				defer s.Close()
			}
			admin, _ := s.CallerByUserName("admin")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				name := fmt.Sprintf("bench-%d", i)
				if _, err := s.CreateServiceAccount(admin, name, name+"@example.com"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
		})
	}
}
