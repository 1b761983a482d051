package mockdomino_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

var (
	fenced     = regexp.MustCompile("(?ms)^```.*?^```")
	inlineCode = regexp.MustCompile("`[^`\n]*`")
	mdLink     = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	heading    = regexp.MustCompile(`(?m)^#{1,6} +(.+?) *$`)
)

// explicitAnchor is an HTML anchor a page sets itself: <a id="x"></a>.
var explicitAnchor = regexp.MustCompile(`<a id="([^"]+)"></a>`)

// TestDocLinksResolve: every relative link in README.md and docs/*.md names a
// file of the repository and, when it has a #fragment, a heading of that
// file, as GitHub renders it, so a reader who clones the repository can
// follow them all.
func TestDocLinksResolve(t *testing.T) {
	pages, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) == 0 {
		t.Fatal("no docs/*.md")
	}
	pages = append(pages, "README.md")
	anchors := map[string]map[string]bool{} // page -> its headings' anchors
	anchorsOf := func(page string) (map[string]bool, error) {
		if a, ok := anchors[page]; ok {
			return a, nil
		}
		data, err := os.ReadFile(page)
		if err != nil {
			return nil, err
		}
		a := map[string]bool{}
		seen := map[string]int{}
		for _, m := range heading.FindAllStringSubmatch(fenced.ReplaceAllString(string(data), ""), -1) {
			slug := githubSlug(m[1])
			if n := seen[slug]; n > 0 {
				a[slug+"-"+itoa(n)] = true
			} else {
				a[slug] = true
			}
			seen[slug]++
		}
		// An explicit anchor, as docs/COVERAGE.md gives each area.
		for _, m := range explicitAnchor.FindAllStringSubmatch(string(data), -1) {
			a[m[1]] = true
		}
		anchors[page] = a
		return a, nil
	}
	links := 0
	for _, page := range pages {
		data, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		text := inlineCode.ReplaceAllString(fenced.ReplaceAllString(string(data), ""), "")
		for _, m := range mdLink.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			links++
			file, frag, _ := strings.Cut(target, "#")
			dest := page
			if file != "" {
				dest = filepath.Join(filepath.Dir(page), file)
				if _, err := os.Stat(dest); err != nil {
					t.Errorf("%s links to %s, which does not exist", page, target)
					continue
				}
			}
			if frag == "" || !strings.HasSuffix(dest, ".md") {
				continue
			}
			a, err := anchorsOf(dest)
			if err != nil {
				t.Fatal(err)
			}
			if !a[frag] {
				t.Errorf("%s links to %s: %s has no heading #%s", page, target, dest, frag)
			}
		}
	}
	if links < 50 {
		t.Errorf("only %d relative links found: is the link pattern still right?", links)
	}
}

// githubSlug is the anchor GitHub gives a heading: lower case, punctuation
// dropped (but '-' and '_'), spaces turned into '-'.
func githubSlug(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// TestNoReferenceOutsideTheRepository: no file of the repository sends its
// reader to the maintainers' shared folder, which a clone does not have; the
// repository carries its own account of the behaviour (docs/).
func TestNoReferenceOutsideTheRepository(t *testing.T) {
	forbidden := []string{".." + "/shared/", "/work/" + "shared"}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && strings.HasPrefix(d.Name(), ".") && d.Name() != ".ci" {
				return filepath.SkipDir
			}
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, f := range forbidden {
			if strings.Contains(string(data), f) {
				t.Errorf("%s refers to %s, which is not in the repository", path, f)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
