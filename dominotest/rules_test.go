package dominotest_test

import (
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/dominotest"
)

// infallible are the methods that cannot fail, so take no testing.TB and
// return no error (the package documentation names them). A method joins
// them only if nothing it calls returns an error.
var infallible = map[string]bool{"Now": true, "Faults": true, "ClearFaults": true, "Journal": true, "ClearJournal": true, "MetricAlerts": true}

// TestErrorStyle checks the rule the package documentation states: a
// method that takes a testing.TB takes it first, fails the test rather
// than return an error, and has a twin named with an E suffix that takes
// the same other arguments and returns the same results and an error; the
// other methods are those twins, Close (an io.Closer), and the infallible.
func TestErrorStyle(t *testing.T) {
	tb := reflect.TypeFor[testing.TB]()
	errType := reflect.TypeFor[error]()
	server := reflect.TypeFor[*dominotest.Server]()
	returnsError := func(m reflect.Type) bool { return m.NumOut() > 0 && m.Out(m.NumOut()-1) == errType }
	for i := range server.NumMethod() {
		m := server.Method(i)
		ft := m.Type // In(0) is the receiver
		takesTB := ft.NumIn() > 1 && ft.In(1) == tb
		for j := 2; j < ft.NumIn(); j++ {
			if ft.In(j) == tb {
				t.Errorf("%s takes its testing.TB as argument %d, not first", m.Name, j)
			}
		}
		switch {
		case takesTB:
			if returnsError(ft) {
				t.Errorf("%s takes a testing.TB and returns an error: it should fail the test", m.Name)
			}
			twin, ok := server.MethodByName(m.Name + "E")
			if !ok {
				t.Errorf("%s takes a testing.TB but has no %sE returning an error", m.Name, m.Name)
				continue
			}
			var want []reflect.Type
			for j := 2; j < ft.NumIn(); j++ {
				want = append(want, ft.In(j))
			}
			var gotIn, gotOut, wantOut []reflect.Type
			for j := 1; j < twin.Type.NumIn(); j++ {
				gotIn = append(gotIn, twin.Type.In(j))
			}
			for j := range ft.NumOut() {
				wantOut = append(wantOut, ft.Out(j))
			}
			wantOut = append(wantOut, errType)
			for j := range twin.Type.NumOut() {
				gotOut = append(gotOut, twin.Type.Out(j))
			}
			if !slices.Equal(gotIn, want) || !slices.Equal(gotOut, wantOut) {
				t.Errorf("%sE is %v, want the arguments of %s without its testing.TB (%v) and its results and an error (%v)",
					m.Name, twin.Type, m.Name, want, wantOut)
			}
		case strings.HasSuffix(m.Name, "E") && hasTBMethod(server, tb, strings.TrimSuffix(m.Name, "E")):
			// A twin, checked with its method.
		case m.Name == "Close":
			if !returnsError(ft) {
				t.Errorf("Close returns no error")
			}
		case infallible[m.Name]:
			if returnsError(ft) {
				t.Errorf("%s returns an error but is listed as one that cannot fail", m.Name)
			}
		default:
			t.Errorf("%s takes no testing.TB and is not the E twin of a method that does: make it %s(t testing.TB, …) and %sE(…) (…, error)",
				m.Name, strings.TrimSuffix(m.Name, "E"), strings.TrimSuffix(m.Name, "E"))
		}
	}
}

func hasTBMethod(server, tb reflect.Type, name string) bool {
	m, ok := server.MethodByName(name)
	return ok && m.Type.NumIn() > 1 && m.Type.In(1) == tb
}

// fakeTB records how a helper failed the test.
type fakeTB struct {
	testing.TB // nil: a helper calling anything else panics
	failure    string
}

func (f *fakeTB) Helper()           {}
func (f *fakeTB) Fatal(args ...any) { f.failure = fmt.Sprint(args...); runtime.Goexit() }
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failure = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// failure runs a helper with a fakeTB and returns how it failed the test
// ("" if it did not).
func failure(helper func(t testing.TB)) string {
	f := &fakeTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		helper(f)
	}()
	<-done
	return f.failure
}

// A helper with a testing.TB fails the test, its E twin returns the same
// error, and both name the helper; neither panics.
func TestHelpersFailTheTest(t *testing.T) {
	srv := dominotest.NewServer(t)
	for _, c := range []struct {
		name string
		tb   func(t testing.TB)
		e    func() error
	}{
		{"AdvanceClock", func(t testing.TB) { srv.AdvanceClock(t, -60*365*24*time.Hour) },
			func() error { _, err := srv.AdvanceClockE(-60 * 365 * 24 * time.Hour); return err }},
		{"SetClock", func(t testing.TB) { srv.SetClock(t, time.Date(1969, 7, 20, 0, 0, 0, 0, time.UTC)) },
			func() error { return srv.SetClockE(time.Date(1969, 7, 20, 0, 0, 0, 0, time.UTC)) }},
		{"SetJobLifecycle", func(t testing.TB) { srv.SetJobLifecycle(t, dominotest.JobLifecycle{Mode: "later"}) },
			func() error { return srv.SetJobLifecycleE(dominotest.JobLifecycle{Mode: "later"}) }},
		{"AddCollaborator", func(t testing.TB) { srv.AddCollaborator(t, "000000000000000000000000", "x", "Contributor") },
			func() error { return srv.AddCollaboratorE("000000000000000000000000", "x", "Contributor") }},
		{"Commits", func(t testing.TB) { srv.Commits(t, "000000000000000000000000") },
			func() error { _, err := srv.CommitsE("000000000000000000000000"); return err }},
		{"CreateDataset", func(t testing.TB) { srv.CreateDataset(t, "000000000000000000000000", "d") },
			func() error { _, err := srv.CreateDatasetE("000000000000000000000000", "d"); return err }},
		{"AddFault", func(t testing.TB) { srv.AddFault(t, dominotest.Fault{Route: "/v4/jobs/x", Status: 503}) },
			func() error { _, err := srv.AddFaultE(dominotest.Fault{Route: "/v4/jobs/x", Status: 503}); return err }},
		{"RemoveFault", func(t testing.TB) { srv.RemoveFault(t, "fault-0") }, func() error { return srv.RemoveFaultE("fault-0") }},
	} {
		err := c.e()
		if err == nil || !strings.HasPrefix(err.Error(), "dominotest: "+c.name+": ") {
			t.Errorf("%sE: %v, want an error naming it", c.name, err)
		}
		if got := failure(c.tb); err == nil || got != err.Error() {
			t.Errorf("%s failed the test with %q, want %v", c.name, got, err)
		}
	}
	if got := failure(func(t testing.TB) { srv.AdvanceClock(t, time.Second) }); got != "" {
		t.Errorf("AdvanceClock failed: %s", got)
	}
}

// TestEveryHelperHasAnExample: each method of Server (a pair counts once)
// has a runnable example, ExampleServer_<Method>, whose output go test
// checks.
func TestEveryHelperHasAnExample(t *testing.T) {
	names, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	examples := map[string]*doc.Example{}
	for _, e := range doc.Examples(files...) {
		examples[e.Name] = e
	}
	tb := reflect.TypeFor[testing.TB]()
	server := reflect.TypeFor[*dominotest.Server]()
	for i := range server.NumMethod() {
		name := server.Method(i).Name
		if base := strings.TrimSuffix(name, "E"); base != name && hasTBMethod(server, tb, base) {
			continue // the twin of base, whose example shows both
		}
		e, ok := examples["Server_"+name]
		switch {
		case !ok:
			t.Errorf("%s has no example: write ExampleServer_%s", name, name)
		case e.Output == "" && !e.EmptyOutput:
			t.Errorf("ExampleServer_%s has no // Output: comment, so go test does not run it", name)
		}
	}
}

// TestReadmeNamesEveryHelper: the README's dominotest section names each
// method of Server (a pair once), so it cannot fall behind the package.
func TestReadmeNamesEveryHelper(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	start := strings.Index(section, "## Embedding in Go tests: `dominotest`")
	if start < 0 {
		t.Fatal("README has no dominotest section")
	}
	section = section[start:]
	if end := strings.Index(section[1:], "\n## "); end >= 0 {
		section = section[:end+1]
	}
	tb := reflect.TypeFor[testing.TB]()
	server := reflect.TypeFor[*dominotest.Server]()
	for i := range server.NumMethod() {
		name := server.Method(i).Name
		if base := strings.TrimSuffix(name, "E"); base != name && hasTBMethod(server, tb, base) || name == "Close" {
			continue
		}
		if !strings.Contains(section, "`"+name+"`") && !strings.Contains(section, "`"+name+"(") {
			t.Errorf("the README's dominotest section does not name %s", name)
		}
	}
}
