// Package signing issues and verifies the RS256 JWTs that the mock hands out,
// and publishes their public key the way Keycloak does (JWKS and realm key).
package signing

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// KeyBits is the RSA modulus size of generated keys, as Keycloak's default.
const KeyBits = 2048

// Claims are the claims the mock puts in every token it issues.
type Claims struct {
	Issuer            string `json:"iss"`
	Subject           string `json:"sub,omitempty"`
	PreferredUsername string `json:"preferred_username"`
	Email             string `json:"email"`
	Name              string `json:"name"`
	IssuedAt          int64  `json:"iat"`
	ExpiresAt         int64  `json:"exp"`
	NotBefore         int64  `json:"nbf,omitempty"`
	ID                string `json:"jti"`
	Type              string `json:"typ"`
	AuthorizedParty   string `json:"azp"`
}

// These satisfy jwt.Claims; time validation is done by the store against the
// mock's clock, never by the library against the wall clock.
func (c *Claims) GetExpirationTime() (*jwt.NumericDate, error) { return nil, nil }
func (c *Claims) GetIssuedAt() (*jwt.NumericDate, error)       { return nil, nil }
func (c *Claims) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (c *Claims) GetIssuer() (string, error)                   { return c.Issuer, nil }
func (c *Claims) GetSubject() (string, error)                  { return c.Subject, nil }
func (c *Claims) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

// ErrInvalidToken is returned for any token the key set did not issue, or
// that was altered after issue. The reason is kept out of responses on purpose.
var ErrInvalidToken = errors.New("invalid token")

// Keys holds one RSA signing key.
type Keys struct {
	ready chan struct{} // closed once priv and kid are set
	err   error         // set, before ready closes, if generation failed
	priv  *rsa.PrivateKey
	kid   string
}

// Generate makes a fresh key.
func Generate() (*Keys, error) {
	priv, err := rsa.GenerateKey(rand.Reader, KeyBits)
	if err != nil {
		return nil, fmt.Errorf("generating RSA key: %w", err)
	}
	return FromPrivateKey(priv), nil
}

// GenerateAsync returns at once and makes the key in the background: RSA
// generation takes about 50 ms, more than the rest of start-up together.
// Every use of the key waits until it is there.
func GenerateAsync() *Keys {
	k := &Keys{ready: make(chan struct{})}
	go func() {
		priv, err := rsa.GenerateKey(rand.Reader, KeyBits)
		if err != nil {
			k.err = fmt.Errorf("generating RSA key: %w", err)
		} else {
			k.set(priv)
		}
		close(k.ready)
	}()
	return k
}

// FromPrivateKey wraps an existing key.
func FromPrivateKey(priv *rsa.PrivateKey) *Keys {
	k := &Keys{ready: make(chan struct{})}
	k.set(priv)
	close(k.ready)
	return k
}

func (k *Keys) set(priv *rsa.PrivateKey) {
	der, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	sum := sha256.Sum256(der)
	k.priv, k.kid = priv, base64.RawURLEncoding.EncodeToString(sum[:16])
}

// wait blocks until the key exists; it returns the generation error, if any.
func (k *Keys) wait() error {
	<-k.ready
	return k.err
}

// Wait blocks until the key exists, reporting a failed generation.
func (k *Keys) Wait() error { return k.wait() }

// LoadPEM reads an RSA private key in PKCS#1 or PKCS#8 PEM form.
func LoadPEM(path string) (*Keys, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading signing key: %w", err)
	}
	return ParsePEM(data, path)
}

// ParsePEM parses an RSA private key; name is used in errors only.
func ParsePEM(data []byte, name string) (*Keys, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("signing key %s: no PEM block found", name)
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return FromPrivateKey(k), nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: not an RSA private key in PKCS#1 or PKCS#8 form", name)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key %s: key is %T, want RSA", name, k)
	}
	return FromPrivateKey(rk), nil
}

// PEM returns the private key in PKCS#8 PEM form (for persisting it).
func (k *Keys) PEM() []byte {
	if k.wait() != nil {
		return nil
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k.priv)
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// KeyID is the `kid` header of every token signed with this key.
func (k *Keys) KeyID() string {
	k.wait()
	return k.kid
}

// Sign returns a compact RS256 JWT carrying c.
func (k *Keys) Sign(c Claims) (string, error) {
	if err := k.wait(); err != nil {
		return "", err
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, &c)
	t.Header["kid"] = k.kid
	s, err := t.SignedString(k.priv)
	if err != nil {
		return "", fmt.Errorf("signing token: %w", err)
	}
	return s, nil
}

// Verify checks that token was signed by this key with RS256 and a matching
// kid, and returns its claims. It does not judge expiry or revocation.
func (k *Keys) Verify(token string) (*Claims, error) {
	if k.wait() != nil {
		return nil, ErrInvalidToken
	}
	c := &Claims{}
	_, err := jwt.ParseWithClaims(token, c, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid != k.kid {
			return nil, ErrInvalidToken
		}
		return &k.priv.PublicKey, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation(), jwt.WithStrictDecoding())
	if err != nil {
		return nil, ErrInvalidToken
	}
	return c, nil
}

// TokenID reads a compact JWT's `jti` without verifying anything: it only
// says which issued token the string claims to be. Whoever uses it must
// then compare the whole string with the token it issued under that id.
func TokenID(token string) (string, error) {
	_, rest, ok := strings.Cut(token, ".")
	payload, _, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || len(payload) > 16<<10 {
		return "", ErrInvalidToken
	}
	data, err := base64.RawURLEncoding.Strict().DecodeString(payload)
	if err != nil {
		return "", ErrInvalidToken
	}
	// Fast path for the mock's own compact payloads; anything else is
	// decoded in full. A wrong answer here only fails the caller's string
	// comparison, so it cannot let a token through.
	if _, rest, ok := bytes.Cut(data, []byte(`"jti":"`)); ok {
		if id, _, ok := bytes.Cut(rest, []byte(`"`)); ok && len(id) > 0 && bytes.IndexByte(id, '\\') < 0 {
			return string(id), nil
		}
	}
	var c struct {
		ID string `json:"jti"`
	}
	if json.Unmarshal(data, &c) != nil || c.ID == "" {
		return "", ErrInvalidToken
	}
	return c.ID, nil
}

// PublicKeyDER is the base64 of the DER public key, as Keycloak's realm
// endpoint publishes it in `public_key`.
func (k *Keys) PublicKeyDER() string {
	if k.wait() != nil {
		return ""
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.priv.PublicKey)
	return base64.StdEncoding.EncodeToString(der)
}

// PublicKey returns the RSA public key.
func (k *Keys) PublicKey() *rsa.PublicKey {
	if k.wait() != nil {
		return nil
	}
	return &k.priv.PublicKey
}

// JWK is one key of a JWKS document.
type JWK struct {
	Kid string `json:"kid"`
	Kty string `json:"kty"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// JWKS returns the key set document served at .../openid-connect/certs.
func (k *Keys) JWKS() map[string][]JWK {
	if k.wait() != nil {
		return map[string][]JWK{"keys": {}}
	}
	pub := k.priv.PublicKey
	return map[string][]JWK{"keys": {{
		Kid: k.kid,
		Kty: "RSA",
		Alg: "RS256",
		Use: "sig",
		N:   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		E:   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}}
}
