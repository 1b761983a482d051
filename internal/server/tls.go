package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mockdomino/mockdomino/internal/secret"
	"github.com/mockdomino/mockdomino/internal/store"
	"github.com/mockdomino/mockdomino/internal/tlsgen"
)

// The files --state keeps for --tls, 0600 like every file there: the CA
// (its certificate is what clients trust, so it outlives restarts) and the
// server certificate it signed, issued anew when the names change or its
// end nears.
const (
	tlsCAFile    = "tls-ca.pem"
	tlsCAKeyFile = "tls-ca-key.pem"
	tlsCertFile  = "tls-cert.pem"
	tlsKeyFile   = "tls-key.pem"
)

// tlsSetup is what Start needs to serve TLS.
type tlsSetup struct {
	config  *tls.Config
	caPEM   []byte            // the generated CA's certificate; nil for the user's own pair
	save    map[string][]byte // files to write to the state directory once the state has loaded
	caOut   string            // where the CA certificate is, or is to be written
	writeCA bool              // caOut is outside the state directory: write it there
	tempDir string            // made to hold caOut; removed at shutdown
}

// prepareTLS loads the user's certificate and key, or the state
// directory's CA and server certificate, or makes new ones. Nothing is
// written yet (finish does it): a start that fails leaves no files.
func prepareTLS(cfg Config, dir *store.Dir) (*tlsSetup, error) {
	ts := &tlsSetup{save: map[string][]byte{}}
	var pair tlsgen.Pair
	switch {
	case cfg.TLSCert != "" || cfg.TLSKey != "":
		if cfg.TLSCert == "" || cfg.TLSKey == "" {
			return nil, errors.New("--tls-cert and --tls-key go together: give both, or neither to have the mock make its own")
		}
		if cfg.TLSCAOut != "" {
			return nil, errors.New("--tls-ca-out writes the CA the mock makes; with --tls-cert the CA is your own")
		}
		cert, certName, err := secret.ReadPEM(cfg.TLSCert, "the TLS certificate (--tls-cert)")
		if err != nil {
			return nil, err
		}
		key, _, err := secret.ReadPEM(cfg.TLSKey, "the TLS key (--tls-key)")
		if err != nil {
			return nil, err
		}
		pair = tlsgen.Pair{CertPEM: cert, KeyPEM: key}
		if _, err := tls.X509KeyPair(cert, key); err != nil {
			// X509KeyPair's messages name what is wrong, never the key.
			return nil, fmt.Errorf("the TLS certificate %s and key (--tls-cert, --tls-key): %v", certName, err)
		}
	default:
		now := time.Now()
		ca, fresh, err := loadCA(dir, now)
		if err != nil {
			return nil, err
		}
		if fresh {
			ts.save[tlsCAFile], ts.save[tlsCAKeyFile] = ca.CertPEM, ca.KeyPEM
		}
		hosts := tlsgen.Hosts(certHosts(cfg)...)
		if dir != nil && !fresh {
			pair.CertPEM, _ = dir.ReadFile(tlsCertFile)
			pair.KeyPEM, _ = dir.ReadFile(tlsKeyFile)
		}
		if !tlsgen.Serves(pair, ca, hosts, now) {
			if pair, err = tlsgen.Issue(ca, hosts, now); err != nil {
				return nil, fmt.Errorf("issuing the TLS certificate: %w", err)
			}
			ts.save[tlsCertFile], ts.save[tlsKeyFile] = pair.CertPEM, pair.KeyPEM
		}
		ts.caPEM = ca.CertPEM
		switch {
		case cfg.TLSCAOut != "":
			ts.caOut, ts.writeCA = cfg.TLSCAOut, true
		case dir != nil:
			ts.caOut = filepath.Join(dir.Path(), tlsCAFile)
		default:
			if ts.tempDir, err = os.MkdirTemp("", "mockdomino-tls-"); err != nil {
				return nil, fmt.Errorf("a directory for the CA certificate: %w", err)
			}
			ts.caOut, ts.writeCA = filepath.Join(ts.tempDir, "ca.pem"), true
		}
		if dir == nil {
			ts.save = nil
		}
	}
	cert, err := tls.X509KeyPair(pair.CertPEM, pair.KeyPEM)
	if err != nil {
		ts.cleanup()
		return nil, fmt.Errorf("the TLS certificate: %v", err)
	}
	ts.config = &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		// net/http serves HTTP/2 only on the *tls.Conn it makes itself;
		// these connections reach it wrapped (tlsListener), so HTTP/1.1 it is.
		NextProtos: []string{"http/1.1"},
	}
	return ts, nil
}

// loadCA reads the state directory's CA, or makes one (fresh). A CA that
// is there but damaged stops start-up: clients trust it, so it is not
// replaced behind their back.
func loadCA(dir *store.Dir, now time.Time) (ca tlsgen.Pair, fresh bool, err error) {
	if dir != nil {
		cert, certErr := dir.ReadFile(tlsCAFile)
		key, keyErr := dir.ReadFile(tlsCAKeyFile)
		switch {
		case certErr == nil && keyErr == nil:
			ca = tlsgen.Pair{CertPEM: cert, KeyPEM: key}
			if err := tlsgen.CheckCA(ca); err != nil {
				return ca, false, fmt.Errorf("the TLS CA in %s and %s: %v (%s)", filepath.Join(dir.Path(), tlsCAFile), filepath.Join(dir.Path(), tlsCAKeyFile), err, newCAAdvice)
			}
			return ca, false, nil
		case !errors.Is(certErr, os.ErrNotExist) || !errors.Is(keyErr, os.ErrNotExist):
			// One of the two is there, or one cannot be read.
			return ca, false, fmt.Errorf("the TLS CA in %s: %v (%s)", dir.Path(), errors.Join(certErr, keyErr), newCAAdvice)
		}
	}
	ca, err = tlsgen.NewCA(now)
	if err != nil {
		return ca, false, fmt.Errorf("making the TLS CA: %w", err)
	}
	return ca, true, nil
}

const newCAAdvice = "restore them, or remove both to have a new CA made, which clients must then be given to trust"

// finish writes the new files to the state directory and the CA
// certificate where it was asked for, once the state has loaded.
func (ts *tlsSetup) finish(dir *store.Dir) error {
	for _, name := range []string{tlsCAFile, tlsCAKeyFile, tlsCertFile, tlsKeyFile} {
		if data, ok := ts.save[name]; ok && dir != nil {
			if err := dir.WriteFile(name, data); err != nil {
				return fmt.Errorf("saving the TLS files: %w", err)
			}
		}
	}
	if ts.writeCA {
		if err := writeFileAtomic(ts.caOut, ts.caPEM); err != nil {
			return fmt.Errorf("writing the CA certificate (--tls-ca-out): %w", err)
		}
	}
	return nil
}

// cleanup removes the temporary directory made for the CA certificate.
func (ts *tlsSetup) cleanup() {
	if ts != nil && ts.tempDir != "" {
		os.RemoveAll(ts.tempDir)
	}
}

// writeFileAtomic replaces path whole, as the state directory's files are
// (store.Dir.WriteFile): an exclusive temporary file of mode 0600 beside
// it (a random name, so no link can be planted there first), fsync,
// rename (which replaces a link at path rather than following it), fsync
// of the directory.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// certHosts are the names clients may reach the mock by: the listeners'
// hosts, the external URL's, and for a listener on every interface this
// machine's name and addresses. (tlsgen.Hosts adds localhost and the
// loopback addresses.)
func certHosts(cfg Config) []string {
	var hosts []string
	everywhere := false
	for _, addr := range []string{orDefault(cfg.Listen, "127.0.0.1:8080"), cfg.ProxyListen} {
		if addr == "" {
			continue
		}
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			continue // net.Listen will say what is wrong with it
		}
		if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
			everywhere = true
			continue
		}
		hosts = append(hosts, host)
	}
	if u, err := url.Parse(cfg.ExternalURL); err == nil && u.Hostname() != "" {
		hosts = append(hosts, u.Hostname())
	}
	if everywhere {
		if name, err := os.Hostname(); err == nil {
			hosts = append(hosts, name)
		}
		if addrs, err := net.InterfaceAddrs(); err == nil {
			for _, a := range addrs {
				if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLinkLocalUnicast() {
					hosts = append(hosts, ipn.IP.String())
				}
			}
		}
	}
	return hosts
}

// tlsListener makes its connections TLS server connections. It sits below
// api.WrapListener's shaping connection, which must see net/http's answers
// before they are encrypted; so net/http does not see a *tls.Conn, and the
// handshake happens in the first Read, under the read deadline net/http
// sets for the request's headers.
type tlsListener struct {
	net.Listener
	config *tls.Config
}

func (l tlsListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &tlsConn{Conn: tls.Server(c, l.config)}, nil
}

type tlsConn struct{ *tls.Conn }

// Read tells a client that sent plain HTTP to use HTTPS, as net/http does
// for the *tls.Conn it makes itself.
func (c *tlsConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	var rh tls.RecordHeaderError
	if err != nil && errors.As(err, &rh) && rh.Conn != nil && looksLikeHTTP(rh.RecordHeader[:]) {
		rh.Conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(rh.Conn, "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"+
			"Client sent an HTTP request to an HTTPS server: this mock serves HTTPS (--tls), so use https://.\n")
		rh.Conn.Close()
	}
	return n, err
}

func looksLikeHTTP(hdr []byte) bool {
	for _, m := range []string{"GET /", "HEAD ", "POST ", "PUT /", "OPTIO", "DELET", "PATCH", "CONNE", "TRACE"} {
		if strings.HasPrefix(string(hdr), m) {
			return true
		}
	}
	return false
}
