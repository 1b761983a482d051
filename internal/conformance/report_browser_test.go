//go:build unix

package conformance

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHTMLReportInChromium renders a report with failures in a real
// browser, headless Chromium from Debian's packages: the screenshot is a
// page, not a blank; the DOM the browser built holds the failures, with the
// scenario name that holds a <script> as text; every in-page link leads to
// an element; the page's script ran, and no script failed or was refused.
// Without chromium it is skipped, unless MOCKDOMINO_REQUIRE_CHROMIUM=1
// (.ci/run sets it) makes that a failure.
func TestHTMLReportInChromium(t *testing.T) {
	bin := chromiumOrSkip(t)
	t.Parallel()
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	runReport(t, "--format", "html", "--output", page)
	url := "file://" + page

	shot := filepath.Join(dir, "report.png")
	_, stderr1, err := runChromium(bin, dir, "shot", chromiumTimeout, "--screenshot="+shot, "--window-size=1280,2000", "--hide-scrollbars", url)
	if err != nil {
		t.Fatal(err)
	}
	dom, stderr2, err := runChromium(bin, dir, "dom", chromiumTimeout, "--dump-dom", url)
	if err != nil {
		t.Fatal(err)
	}
	for _, stderr := range []string{stderr1, stderr2} {
		for _, bad := range []string{"Uncaught", "Content Security Policy", "Refused to"} {
			if strings.Contains(stderr, bad) {
				t.Errorf("chromium reports %q:\n%s", bad, consoleLines(stderr))
			}
		}
	}

	checkScreenshot(t, shot)

	// The script ran to its end, and none failed (the page's onerror
	// handler would have said so); the <script> in a name is text, not a
	// third script element, and did not run.
	// Both would be attributes of the root element: data-script-error (the
	// page's onerror), data-injected (the script in the name).
	if root := regexp.MustCompile(`<html[^>]*>`).FindString(dom); root != `<html lang="en" data-script="ok">` {
		t.Errorf("the root element is %s, want data-script=\"ok\" alone: a script failed, did not run to its end, or came from a name\nchromium's console:\n%s",
			root, consoleLines(stderr2))
	}
	if n := strings.Count(dom, "<script"); n != 2 {
		t.Errorf("the DOM has %d script elements, want the page's 2", n)
	}
	// The failures, in the DOM the browser built.
	failures := failureArticles(dom)
	if len(failures) != 2 || len(failures[0].calls) != 3 || len(failures[1].calls) != 1 {
		t.Fatalf("the DOM has %d failures (want 2, with 3 and 1 calls):\n%s", len(failures), dom)
	}
	for _, want := range []string{
		`&lt;script&gt;document.documentElement.setAttribute("data-injected","yes")&lt;/script&gt;`,
		inferredName, "GET /v4/users/self", "Authorization: Bearer &lt;jwt-",
		`<button type="button">Expand all exchanges</button>`,
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("the DOM lacks %q", want)
		}
	}
	// Every link is to an element of the page.
	ids := map[string]bool{}
	for _, m := range regexp.MustCompile(`\sid="([^"]+)"`).FindAllStringSubmatch(dom, -1) {
		ids[m[1]] = true
	}
	links := regexp.MustCompile(`\shref="([^"]*)"`).FindAllStringSubmatch(dom, -1)
	if len(links) < 8 {
		t.Errorf("only %d links in the DOM", len(links))
	}
	for _, m := range links {
		if !strings.HasPrefix(m[1], "#") || !ids[m[1][1:]] {
			t.Errorf("the link %q leads to no element of the page", m[1])
		}
	}
	if t.Failed() {
		t.Logf("the page and its screenshot: %s, %s", page, shot)
	}
}

// chromiumOrSkip finds Debian's chromium (or another of its names).
func chromiumOrSkip(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("MOCKDOMINO_REQUIRE_CHROMIUM") == "1" {
		t.Fatal("chromium is not installed, and MOCKDOMINO_REQUIRE_CHROMIUM=1 requires it (apt-get install chromium)")
	}
	t.Skip("chromium is not installed (Debian: apt-get install chromium); MOCKDOMINO_REQUIRE_CHROMIUM=1 makes this a failure")
	return ""
}

// chromiumTimeout bounds one run of the browser: a hang fails the test
// rather than stall CI. It is a guard, not a measure: a page renders in a
// second or two.
const chromiumTimeout = 2 * time.Minute

// runChromium runs headless chromium once with a profile and a HOME of its
// own under dir, and returns its stdout and stderr; an error when it fails
// or has not finished within timeout.
func runChromium(bin, dir, name string, timeout time.Duration, args ...string) (stdout, stderr string, err error) {
	home := filepath.Join(dir, name+"-home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return "", "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	args = append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--user-data-dir=" + filepath.Join(dir, name+"-profile"), "--no-first-run", "--no-default-browser-check",
		"--disable-extensions", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--enable-logging=stderr", "--v=0"}, args...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"))
	// Chromium starts helper processes: a timeout ends them all, as a group.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if ctx.Err() != nil {
		return "", "", fmt.Errorf("chromium (%s) did not finish within %s\n%s", name, timeout, errOut.String())
	}
	if err != nil {
		return "", "", fmt.Errorf("chromium (%s): %v\n%s", name, err, errOut.String())
	}
	return out.String(), errOut.String(), nil
}

// TestChromiumHangIsBounded: a browser that hangs, with a helper process
// of its own, is ended, helper included, at the timeout, and the run says so.
func TestChromiumHangIsBounded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fake := filepath.Join(dir, "chromium")
	pidFile := filepath.Join(dir, "helper.pid")
	script := "#!/bin/sh\nsleep 300 &\necho $! > " + pidFile + "\nsleep 300\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, _, err := runChromium(fake, dir, "hang", time.Second, "--dump-dom", "file:///nowhere")
	if err == nil || !strings.Contains(err.Error(), "did not finish within 1s") {
		t.Fatalf("err = %v, want the timeout", err)
	}
	if took := time.Since(start); took > time.Minute {
		t.Errorf("runChromium returned after %s", took)
	}
	pid, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	fmt.Sscan(string(pid), &n)
	// Killed, the helper is a zombie until its parent (init) reaps it, or gone.
	for i := 0; i < 50; i++ {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", n))
		if err != nil || strings.Contains(string(stat), ") Z ") {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("the hung browser's helper %d still runs", n)
}

// consoleLines are the lines of chromium's log that come from the page.
func consoleLines(stderr string) string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, "CONSOLE") || strings.Contains(l, "Uncaught") || strings.Contains(l, "Security Policy") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// checkScreenshot wants a PNG of the window's size that shows a page: many
// colours, much that is not white, and the failures' red (the bars and the
// failures' borders).
func checkScreenshot(t *testing.T, file string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	b := img.Bounds()
	if b.Dx() != 1280 || b.Dy() != 2000 {
		t.Errorf("the screenshot is %dx%d, want 1280x2000", b.Dx(), b.Dy())
	}
	colours, notWhite, red := countPixels(img)
	total := b.Dx() * b.Dy()
	t.Logf("screenshot: %d colours, %.1f%% not white, %d red pixels", len(colours), 100*float64(notWhite)/float64(total), red)
	if len(colours) < 20 || notWhite < total/20 {
		t.Errorf("the screenshot looks blank: %d colours, %d of %d pixels not white", len(colours), notWhite, total)
	}
	if red < 2000 {
		t.Errorf("the screenshot shows %d pixels of the failures' red, want the bars and borders (2000 or more)", red)
	}
}

func countPixels(img image.Image) (colours map[uint32]bool, notWhite, red int) {
	colours = map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			colours[r<<16|g<<8|bl] = true
			if r < 250 || g < 250 || bl < 250 {
				notWhite++
			}
			// --fail: #c62828
			if near(r, 0xc6) && near(g, 0x28) && near(bl, 0x28) {
				red++
			}
		}
	}
	return colours, notWhite, red
}

func near(v, want uint32) bool { return v+8 >= want && v <= want+8 }
