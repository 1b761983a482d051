package signing

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// RSA key generation is slow: one key for most tests and one "other" key.
var (
	mainKeys  = sync.OnceValues(Generate)
	otherKeys = sync.OnceValues(Generate)
)

func keys(t *testing.T) *Keys {
	t.Helper()
	k, err := mainKeys()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func other(t *testing.T) *Keys {
	t.Helper()
	k, err := otherKeys()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func sampleClaims() Claims {
	return Claims{
		Issuer: "http://mock.test/auth/realms/DominoRealm", Subject: "6f1c2a3e-9d4b-4e5f-8a7b-0c1d2e3f4a01",
		PreferredUsername: "bot", Email: "bot@example.com", Name: "Bot", IssuedAt: 1_700_000_000,
		ExpiresAt: 1_710_000_000, ID: "0f8fad5b-d9cb-469f-a165-70867728950e", Type: "Bearer", AuthorizedParty: "domino-play",
	}
}

func sign(t *testing.T, k *Keys, c Claims) string {
	t.Helper()
	s, err := k.Sign(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func segments(t *testing.T, tok string) []string {
	t.Helper()
	p := strings.Split(tok, ".")
	if len(p) != 3 {
		t.Fatalf("%q is not a compact JWT", tok)
	}
	return p
}

func decodeJSON(t *testing.T, seg string) map[string]any {
	t.Helper()
	data, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSignVerifyRoundTrip(t *testing.T) {
	k := keys(t)
	for _, c := range []Claims{sampleClaims(), func() Claims { c := sampleClaims(); c.Subject = ""; c.NotBefore = 42; return c }()} {
		tok := sign(t, k, c)
		p := segments(t, tok)
		hdr := decodeJSON(t, p[0])
		if hdr["alg"] != "RS256" || hdr["kid"] != k.KeyID() || hdr["typ"] != "JWT" {
			t.Errorf("header = %v", hdr)
		}
		payload := decodeJSON(t, p[1])
		if _, has := payload["sub"]; has != (c.Subject != "") {
			t.Errorf("payload %v: sub present = %v, want %v", payload, has, c.Subject != "")
		}
		if _, has := payload["nbf"]; has != (c.NotBefore != 0) {
			t.Errorf("payload %v: nbf present = %v", payload, has)
		}
		for _, key := range []string{"iss", "preferred_username", "email", "name", "iat", "exp", "jti", "typ", "azp"} {
			if _, has := payload[key]; !has {
				t.Errorf("payload lacks %s: %v", key, payload)
			}
		}
		got, err := k.Verify(tok)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if *got != c {
			t.Errorf("claims round trip:\n got  %+v\n want %+v", *got, c)
		}
		// Twice gives the same.
		again, err := k.Verify(tok)
		if err != nil || *again != c {
			t.Errorf("second Verify: %+v, %v", again, err)
		}
	}
	// Verification ignores time: an expired token still verifies (the store judges expiry).
	c := sampleClaims()
	c.ExpiresAt = 1
	if _, err := k.Verify(sign(t, k, c)); err != nil {
		t.Errorf("Verify judged expiry: %v", err)
	}
}

func TestKeyIDIsStableAndDistinct(t *testing.T) {
	k, o := keys(t), other(t)
	if k.KeyID() == "" || k.KeyID() != k.KeyID() {
		t.Fatalf("KeyID %q", k.KeyID())
	}
	if k.KeyID() == o.KeyID() {
		t.Errorf("two keys share kid %s", k.KeyID())
	}
	if strings.ContainsAny(k.KeyID(), "+/=") {
		t.Errorf("kid %q is not URL-safe", k.KeyID())
	}
}

func TestVerifyRefuses(t *testing.T) {
	k := keys(t)
	c := sampleClaims()
	good := sign(t, k, c)
	p := segments(t, good)
	rsaSigned := func(m jwt.SigningMethod, kid string, key any) string {
		tok := jwt.NewWithClaims(m, &c)
		if kid != "" {
			tok.Header["kid"] = kid
		}
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(k.PublicKey())
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"` + k.KeyID() + `","typ":"JWT"}`))
	sig, _ := base64.RawURLEncoding.DecodeString(p[2])
	flipped := append([]byte(nil), sig...)
	flipped[0] ^= 0x01
	payload, _ := base64.RawURLEncoding.DecodeString(p[1])
	edited := strings.Replace(string(payload), `"bot"`, `"admin"`, 1)
	if edited == string(payload) {
		t.Fatal("setup: payload has no \"bot\"")
	}
	cases := map[string]string{
		"empty":                          "",
		"garbage":                        "not-a-jwt",
		"two segments":                   p[0] + "." + p[1],
		"alg none, no signature":         none + "." + p[1] + ".",
		"alg none, signature kept":       none + "." + p[1] + "." + p[2],
		"HS256 keyed with public PEM":    rsaSigned(jwt.SigningMethodHS256, k.KeyID(), pubPEM),
		"HS256 keyed with public DER":    rsaSigned(jwt.SigningMethodHS256, k.KeyID(), pubDER),
		"RS384 by the key":               rsaSigned(jwt.SigningMethodRS384, k.KeyID(), k.priv),
		"RS512 by the key":               rsaSigned(jwt.SigningMethodRS512, k.KeyID(), k.priv),
		"PS256 by the key":               rsaSigned(jwt.SigningMethodPS256, k.KeyID(), k.priv),
		"RS256, other key, our kid":      rsaSigned(jwt.SigningMethodRS256, k.KeyID(), other(t).priv),
		"RS256, other key, its kid":      sign(t, other(t), c),
		"RS256, our key, other kid":      rsaSigned(jwt.SigningMethodRS256, other(t).KeyID(), k.priv),
		"RS256, our key, no kid":         rsaSigned(jwt.SigningMethodRS256, "", k.priv),
		"flipped signature bit":          p[0] + "." + p[1] + "." + base64.RawURLEncoding.EncodeToString(flipped),
		"signature of another token":     p[0] + "." + p[1] + "." + segments(t, sign(t, k, Claims{Issuer: "x"}))[2],
		"payload edited":                 p[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(edited)) + "." + p[2],
		"trailing garbage":               good + "x",
		"trailing dot":                   good + ".",
		"padded signature":               good + "==",
		"leading space":                  " " + good,
		"header with an unknown alg":     base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"XX256","kid":"`+k.KeyID()+`"}`)) + "." + p[1] + "." + p[2],
		"header altered, signature kept": base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","kid":"`+k.KeyID()+`","typ":"jwt"}`)) + "." + p[1] + "." + p[2],
	}
	for name, tok := range cases {
		if tok == good {
			t.Fatalf("%s: setup produced the good token", name)
		}
		if got, err := k.Verify(tok); err == nil {
			t.Errorf("%s: verified, claims %+v", name, got)
		} else if err != ErrInvalidToken {
			t.Errorf("%s: err = %v, want ErrInvalidToken", name, err)
		}
	}
	// The refusals did not poison anything: the good token still verifies.
	if _, err := k.Verify(good); err != nil {
		t.Errorf("good token: %v", err)
	}
	// And a token of this key does not verify under the other.
	if _, err := other(t).Verify(good); err == nil {
		t.Errorf("another key set verified this key's token")
	}
}

func TestPEMRoundTrip(t *testing.T) {
	k := keys(t)
	tok := sign(t, k, sampleClaims())
	pkcs8 := k.PEM()
	if block, _ := pem.Decode(pkcs8); block == nil || block.Type != "PRIVATE KEY" {
		t.Fatalf("PEM() is not a PKCS#8 PRIVATE KEY block: %.40q", pkcs8)
	}
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k.priv)})
	dir := t.TempDir()
	for name, data := range map[string][]byte{"pkcs8.pem": pkcs8, "pkcs1.pem": pkcs1} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		loaded, err := LoadPEM(path)
		if err != nil {
			t.Fatalf("LoadPEM(%s): %v", name, err)
		}
		if loaded.KeyID() != k.KeyID() || loaded.PublicKeyDER() != k.PublicKeyDER() {
			t.Errorf("%s: loaded key differs (kid %s vs %s)", name, loaded.KeyID(), k.KeyID())
		}
		// Tokens signed before verify with the loaded key, and the other way round.
		if _, err := loaded.Verify(tok); err != nil {
			t.Errorf("%s: loaded key refuses a token of the original: %v", name, err)
		}
		if _, err := k.Verify(sign(t, loaded, Claims{Issuer: name})); err != nil {
			t.Errorf("%s: original refuses a token of the loaded key: %v", name, err)
		}
		if string(loaded.PEM()) != string(pkcs8) {
			t.Errorf("%s: PEM() of the loaded key differs", name)
		}
	}
}

func TestLoadPEMErrors(t *testing.T) {
	dir := t.TempDir()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	pubDER, _ := x509.MarshalPKIXPublicKey(keys(t).PublicKey())
	cases := map[string]struct {
		data []byte
		want string
	}{
		"empty file":           {nil, "no PEM block"},
		"not PEM":              {[]byte("hello"), "no PEM block"},
		"garbage in PEM":       {pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("garbage")}), "not an RSA private key"},
		"EC key":               {pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER}), "want RSA"},
		"public key":           {pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), "not an RSA private key"},
		"truncated PEM":        {keys(t).PEM()[:100], "no PEM block"},
		"certificate-ish type": {pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0x00}}), "not an RSA private key"},
	}
	for name, tc := range cases {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		if err := os.WriteFile(path, tc.data, 0o600); err != nil {
			t.Fatal(err)
		}
		k, err := LoadPEM(path)
		if err == nil {
			t.Errorf("%s: loaded a key (kid %s)", name, k.KeyID())
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %q does not say %q and name the file", name, err, tc.want)
		}
	}
	_, err = LoadPEM(filepath.Join(dir, "missing.pem"))
	if err == nil || !os.IsNotExist(errUnwrapAll(err)) {
		t.Errorf("missing file: %v", err)
	}
}

func errUnwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

func TestJWKSAndRealmKey(t *testing.T) {
	k := keys(t)
	doc := k.JWKS()
	if len(doc["keys"]) != 1 {
		t.Fatalf("JWKS = %+v, want one key", doc)
	}
	j := doc["keys"][0]
	if j.Kid != k.KeyID() || j.Kty != "RSA" || j.Alg != "RS256" || j.Use != "sig" {
		t.Errorf("JWK = %+v", j)
	}
	n, err := base64.RawURLEncoding.DecodeString(j.N)
	if err != nil {
		t.Fatalf("n is not base64url: %v", err)
	}
	e, err := base64.RawURLEncoding.DecodeString(j.E)
	if err != nil {
		t.Fatalf("e is not base64url: %v", err)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	if !pub.Equal(k.PublicKey()) {
		t.Errorf("JWKS n/e decode to another key")
	}
	if pub.N.BitLen() != KeyBits || pub.E != 65537 || j.E != "AQAB" {
		t.Errorf("key is %d bits, e=%d (%s)", pub.N.BitLen(), pub.E, j.E)
	}
	// A JWT library verifies our tokens from the JWKS alone.
	tok := sign(t, k, sampleClaims())
	parsed, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation())
	if err != nil || !parsed.Valid {
		t.Errorf("token does not verify with the JWKS key: %v", err)
	}
	// The realm's public_key is the DER of the same key.
	der, err := base64.StdEncoding.DecodeString(k.PublicKeyDER())
	if err != nil {
		t.Fatal(err)
	}
	realm, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		t.Fatal(err)
	}
	if !pub.Equal(realm) {
		t.Errorf("realm public_key differs from the JWKS key")
	}
	// JSON shape.
	data, _ := json.Marshal(doc)
	for _, key := range []string{`"keys":[`, `"kid":`, `"kty":"RSA"`, `"alg":"RS256"`, `"use":"sig"`, `"n":`, `"e":"AQAB"`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("JWKS JSON %s lacks %s", data, key)
		}
	}
}

func TestGenerateAsync(t *testing.T) {
	k := GenerateAsync()
	// Every use waits for the key.
	tok, err := k.Sign(sampleClaims())
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Verify(tok); err != nil || k.KeyID() == "" || k.PublicKey() == nil {
		t.Errorf("async key: verify %v, kid %q", err, k.KeyID())
	}
	if k.KeyID() == keys(t).KeyID() {
		t.Errorf("async key equals another generated key")
	}
}

// Two 1024-bit primes with the top two bits set and gcd(65537, p-1) = 1,
// so that GenerateFrom takes them as they come: prime search in pure Go
// takes seconds under -race, these take milliseconds.
const (
	primeP = "f3fbc494a64d9b0faa23c40ca1f61c90a35a0a4c6d430646e8dc9b50901fbcaa820208e653fb09b3acce7d349c33ea827cd6963765ec35e2a1d1b254ed260eef6868388f4ec6e0f410b5c74abb907e0e730d87e53c437f0efaba8ef4ed6234c8091e8f9600090bc0f9cf09559c94d4eb8729b6b4d8c0cd8c6eb8bd464ec02369"
	primeQ = "d484b009a46bd783b1f46980bd4262b1f9030bbf9a8215f131aea8948dca304eabf6af7e15c39db403fd9af3f473a250f0047454cfc854a265721055bff4d468c60515228721176457b1d23a63cb8e0835465d3e33211b9de339ea947b8193885747da41c7a00e6a361c6ef3bf621e229098baf6988dec4b56b5f30532b2fa1b"
)

func hexBytes(t *testing.T, parts ...string) []byte {
	t.Helper()
	var out []byte
	for _, h := range parts {
		b, err := hex.DecodeString(h)
		if err != nil || len(b) != KeyBits/16 {
			t.Fatalf("bad test prime %.16s…: %v (%d bytes)", h, err, len(b))
		}
		out = append(out, b...)
	}
	return out
}

func TestGenerateFromIsDeterministic(t *testing.T) {
	// 0x…ff is divisible by 3 and 5 (255 = 3·5·17), so a candidate of all
	// ones is composite and must be skipped.
	composite := strings.Repeat("ff", KeyBits/16)
	streams := map[string][]byte{
		"p, q":                   hexBytes(t, primeP, primeQ),
		"composite first":        hexBytes(t, composite, primeP, primeQ),
		"p twice, then p, q":     hexBytes(t, primeP, primeP, primeP, primeQ),
		"composite between p, q": hexBytes(t, primeP, composite, primeQ),
	}
	p, _ := new(big.Int).SetString(primeP, 16)
	q, _ := new(big.Int).SetString(primeQ, 16)
	wantN := new(big.Int).Mul(p, q)
	var first *Keys
	for name, data := range streams {
		k, err := GenerateFrom(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if k.PublicKey().N.Cmp(wantN) != 0 || k.PublicKey().E != 65537 {
			t.Errorf("%s: derived key is not p·q with e = 65537", name)
		}
		if err := k.priv.Validate(); err != nil {
			t.Errorf("%s: derived key is invalid: %v", name, err)
		}
		if first == nil {
			first = k
			continue
		}
		if k.KeyID() != first.KeyID() || string(k.PEM()) != string(first.PEM()) {
			t.Errorf("%s: the same primes gave another key", name)
		}
		if _, err := k.Verify(sign(t, first, sampleClaims())); err != nil {
			t.Errorf("%s: a token of one derived key does not verify with its twin: %v", name, err)
		}
	}
	// Swapping p and q gives the same public key.
	swapped, err := GenerateFrom(bytes.NewReader(hexBytes(t, primeQ, primeP)))
	if err != nil || swapped.PublicKeyDER() != first.PublicKeyDER() {
		t.Errorf("q, p gave another public key (%v)", err)
	}
	// A reader that runs dry is an error, not a hang or a panic.
	for _, data := range [][]byte{[]byte("short"), hexBytes(t, primeP), hexBytes(t, primeP, primeP)} {
		if _, err := GenerateFrom(bytes.NewReader(data)); err == nil {
			t.Errorf("GenerateFrom accepted a %d-byte stream", len(data))
		}
	}
}
