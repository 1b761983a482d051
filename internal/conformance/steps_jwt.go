package conformance

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"
	"github.com/golang-jwt/jwt/v5"
)

// Keycloak's routes, as Domino serves them.
const (
	realmPath     = "/auth/realms/DominoRealm"
	jwksPath      = realmPath + "/protocol/openid-connect/certs"
	discoveryPath = realmPath + "/.well-known/openid-configuration"
)

func registerJWTSteps(sc *godog.ScenarioContext, w *world) {
	sc.When(`^an unauthenticated caller fetches the realm's key set$`, func(ctx context.Context) error {
		_, err := w.call(ctx, http.MethodGet, jwksPath, Anonymous(), nil)
		return err
	})
	sc.When(`^an unauthenticated caller fetches the realm$`, func(ctx context.Context) error {
		_, err := w.call(ctx, http.MethodGet, realmPath, Anonymous(), nil)
		return err
	})
	sc.When(`^an unauthenticated caller fetches the OpenID configuration$`, func(ctx context.Context) error {
		_, err := w.call(ctx, http.MethodGet, discoveryPath, Anonymous(), nil)
		return err
	})
	sc.When(`^an unauthenticated caller asks for the version$`, func(ctx context.Context) error {
		_, err := w.call(ctx, http.MethodGet, "/version", Anonymous(), nil)
		return err
	})

	sc.Then(`^the key set holds an RS256 signing key with a key id$`, func() error {
		keys, err := parseJWKS(w.resp)
		if err != nil {
			return err
		}
		if len(keys) == 0 {
			return fmt.Errorf("the key set holds no usable RSA key: %s", w.resp)
		}
		return nil
	})
	sc.Then(`^the realm is "([^"]*)" with a public key$`, func(realm string) error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		if err := o.equal("realm", realm); err != nil {
			return err
		}
		_, err = realmKey(o)
		return err
	})
	sc.Then(`^the configuration names the realm as issuer and the key set as jwks_uri$`, func() error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		iss, err := o.nonEmpty("issuer")
		if err != nil {
			return err
		}
		if !strings.HasSuffix(iss, realmPath) {
			return fmt.Errorf("issuer %q does not end with %s", iss, realmPath)
		}
		uri, err := o.nonEmpty("jwks_uri")
		if err != nil {
			return err
		}
		if uri != iss+"/protocol/openid-connect/certs" {
			return fmt.Errorf("jwks_uri is %q, want %q", uri, iss+"/protocol/openid-connect/certs")
		}
		return nil
	})
	sc.Then(`^the version is at least "([^"]*)", with its build and commit ids$`, func(min string) error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		v, err := o.nonEmpty("version")
		if err != nil {
			return err
		}
		if compareVersions(v, min) < 0 {
			return fmt.Errorf("version %q is below %s (python-domino refuses it)", v, min)
		}
		return o.check().str("buildId", "commitId").err()
	})

	sc.Then(`^the token "([^"]*)" is signed with RS256 by a key in the key set$`, func(ctx context.Context, name string) error {
		t, err := w.token(name)
		if err != nil {
			return err
		}
		r, err := w.must(ctx, http.MethodGet, jwksPath, Anonymous(), nil, http.StatusOK)
		if err != nil {
			return err
		}
		keys, err := parseJWKS(r)
		if err != nil {
			return err
		}
		_, err = jwt.Parse(t.value, func(tok *jwt.Token) (any, error) {
			kid, _ := tok.Header["kid"].(string)
			k, ok := keys[kid]
			if !ok {
				return nil, fmt.Errorf("no key in the key set has the token's kid %q", kid)
			}
			return k, nil
		}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation())
		if err != nil {
			return fmt.Errorf("the token does not verify against the key set: %w", err)
		}
		return nil
	})
	sc.Then(`^the token "([^"]*)" also verifies with the realm's public key$`, func(ctx context.Context, name string) error {
		t, err := w.token(name)
		if err != nil {
			return err
		}
		key, err := w.realmPublicKey(ctx)
		if err != nil {
			return err
		}
		_, err = jwt.Parse(t.value, func(*jwt.Token) (any, error) { return key, nil },
			jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation())
		if err != nil {
			return fmt.Errorf("the token does not verify with the realm's public key: %w", err)
		}
		return nil
	})
	sc.Then(`^the token "([^"]*)" names "([^"]*)" as its subject$`, func(name, alias string) error {
		claims, err := w.claims(name)
		if err != nil {
			return err
		}
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		return claims.equal("sub", a.idpID)
	})
	sc.Then(`^the token "([^"]*)" expires when its description says$`, func(name string) error {
		t, err := w.token(name)
		if err != nil {
			return err
		}
		claims, err := w.claims(name)
		if err != nil {
			return err
		}
		exp, err := claims.number("exp")
		if err != nil {
			return err
		}
		expiresAt, err := t.created.utcTime("expiresAt", false)
		if err != nil {
			return err
		}
		if d := exp - float64(expiresAt.UnixMilli())/1000; math.Abs(d) > 1 {
			return fmt.Errorf("exp is %s, expiresAt is %s", time.Unix(int64(exp), 0).UTC(), expiresAt)
		}
		return nil
	})
	sc.Then(`^the token "([^"]*)" was issued by the realm named in the OpenID configuration$`, func(ctx context.Context, name string) error {
		claims, err := w.claims(name)
		if err != nil {
			return err
		}
		o, err := w.mustGetObject(ctx, discoveryPath, Anonymous())
		if err != nil {
			return err
		}
		iss, err := o.nonEmpty("issuer")
		if err != nil {
			return err
		}
		return claims.equal("iss", iss)
	})
	sc.Then(`^the token "([^"]*)" was issued by the realm at Domino's external URL$`, func(name string) error {
		claims, err := w.claims(name)
		if err != nil {
			return err
		}
		if err := claims.equal("iss", w.run.target.externalURL()+realmPath); err != nil {
			return fmt.Errorf("%w (the external URL is --external-url, or --api-host when it is not given)", err)
		}
		return nil
	})
	sc.Then(`^the token "([^"]*)" was issued to the Keycloak client "([^"]*)"$`, func(name, client string) error {
		claims, err := w.claims(name)
		if err != nil {
			return err
		}
		return claims.equal("azp", client)
	})
	sc.Then(`^the token "([^"]*)" carries the full name that Domino gives "([^"]*)"$`, func(ctx context.Context, name, alias string) error {
		claims, err := w.claims(name)
		if err != nil {
			return err
		}
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		// The administrator's view of the account, not the token's own: the
		// claim is checked against Domino's record of the user.
		r, err := w.must(ctx, http.MethodGet, "/v4/users", w.admin(), nil, http.StatusOK)
		if err != nil {
			return err
		}
		u, err := findListed(r, "idpId", a.idpID, fmt.Sprintf("the users do not include %s (idpId %s)", a.username, a.idpID))
		if err != nil {
			return err
		}
		full, err := u.nonEmpty("fullName")
		if err != nil {
			return err
		}
		return claims.equal("name", full)
	})
	sc.Then(`^the token "([^"]*)" carries the username and email of "([^"]*)"$`, func(name, alias string) error {
		claims, err := w.claims(name)
		if err != nil {
			return err
		}
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		return claims.check().equal("preferred_username", a.username).equal("email", a.email).
			equal("typ", "Bearer").number("iat").nonEmpty("jti", "azp").err()
	})

	sc.When(`^the token "([^"]*)" is forged by (.+)$`, func(ctx context.Context, name, how string) error {
		t, err := w.token(name)
		if err != nil {
			return err
		}
		w.forged, err = w.forge(ctx, t.value, how)
		return err
	})
	sc.Then(`^the forged token is rejected as unauthenticated$`, func(ctx context.Context) error {
		if w.forged == "" {
			return fmt.Errorf("no token has been forged")
		}
		return w.tokenRejected(ctx, "forged", w.forged)
	})
}

func (w *world) claims(name string) (obj, error) {
	t, err := w.token(name)
	if err != nil {
		return nil, err
	}
	_, claims, err := decodeJWT(t.value)
	return claims, err
}

func (w *world) realmPublicKey(ctx context.Context) (*rsa.PublicKey, error) {
	o, err := w.mustGetObject(ctx, realmPath, Anonymous())
	if err != nil {
		return nil, err
	}
	return realmKey(o)
}

// forge makes a token Domino must refuse, from a real one.
func (w *world) forge(ctx context.Context, token, how string) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("the token is not a JWT")
	}
	header, claims, err := decodeJWT(token)
	if err != nil {
		return "", err
	}
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	switch how {
	case "changing one character of its payload":
		u, err := claims.str("preferred_username")
		if err != nil {
			return "", err
		}
		claims["preferred_username"] = u[:len(u)-1] + string(rune(u[len(u)-1])^1)
		return parts[0] + "." + enc(claims) + "." + parts[2], nil
	case "changing one character of its signature":
		sig := []byte(parts[2])
		i := len(sig) / 2
		if sig[i] == 'A' {
			sig[i] = 'B'
		} else {
			sig[i] = 'A'
		}
		return parts[0] + "." + parts[1] + "." + string(sig), nil
	case "setting its algorithm to none without a signature":
		return enc(map[string]any{"alg": "none", "typ": "JWT"}) + "." + parts[1] + ".", nil
	case "signing it with HS256 using the realm's public key":
		key, err := w.realmPublicKey(ctx)
		if err != nil {
			return "", err
		}
		der, err := x509.MarshalPKIXPublicKey(key)
		if err != nil {
			return "", err
		}
		secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		h := map[string]any{"alg": "HS256", "typ": "JWT", "kid": header["kid"]}
		signing := enc(h) + "." + parts[1]
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(signing))
		return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil
	case "signing it with another RSA key under the same kid":
		other, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return "", err
		}
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims(claims))
		tok.Header["kid"] = header["kid"]
		return tok.SignedString(other)
	case "extending its expiry without signing it again":
		exp, err := claims.number("exp")
		if err != nil {
			return "", err
		}
		claims["exp"] = int64(exp) + 365*24*3600
		return parts[0] + "." + enc(claims) + "." + parts[2], nil
	}
	return "", fmt.Errorf("unknown forgery %q", how)
}

// decodeJWT decodes a JWT's header and claims without verifying it.
func decodeJWT(token string) (header, claims obj, err error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, nil, fmt.Errorf("the token has %d dot-separated parts, want 3 (a JWT)", len(parts))
	}
	for i, into := range []*obj{&header, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return nil, nil, fmt.Errorf("JWT part %d is not base64url: %w", i+1, err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, nil, fmt.Errorf("JWT part %d is not a JSON object: %w", i+1, err)
		}
		*into = m
	}
	if _, err := header.nonEmpty("alg"); err != nil {
		return nil, nil, fmt.Errorf("JWT header: %w", err)
	}
	if _, err := base64.RawURLEncoding.DecodeString(parts[2]); err != nil || parts[2] == "" {
		return nil, nil, fmt.Errorf("the JWT has no base64url signature")
	}
	return header, claims, nil
}

// parseJWKS reads the RSA signing keys of a JWKS answer, by kid.
func parseJWKS(r *Response) (map[string]*rsa.PublicKey, error) {
	o, err := okObject(r)
	if err != nil {
		return nil, err
	}
	list, err := o.list("keys")
	if err != nil {
		return nil, err
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range list {
		m, ok := k.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("a key in the key set is %T, want an object", k)
		}
		jwk := obj(m)
		if kty, _ := jwk.str("kty"); kty != "RSA" {
			continue
		}
		if use, ok := jwk["use"]; ok && use != "sig" {
			continue
		}
		if alg, ok := jwk["alg"]; ok && alg != "RS256" {
			continue
		}
		kid, err := jwk.nonEmpty("kid")
		if err != nil {
			return nil, err
		}
		n, err := b64int(jwk, "n")
		if err != nil {
			return nil, err
		}
		e, err := b64int(jwk, "e")
		if err != nil {
			return nil, err
		}
		keys[kid] = &rsa.PublicKey{N: n, E: int(e.Int64())}
	}
	return keys, nil
}

func b64int(o obj, key string) (*big.Int, error) {
	s, err := o.nonEmpty(key)
	if err != nil {
		return nil, err
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("key field %q is not base64url: %w", key, err)
	}
	return new(big.Int).SetBytes(b), nil
}

// realmKey reads the realm's "public_key": base64 of a DER public key.
func realmKey(o obj) (*rsa.PublicKey, error) {
	s, err := o.nonEmpty("public_key")
	if err != nil {
		return nil, err
	}
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("public_key is not base64: %w", err)
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("public_key is not a DER public key: %w", err)
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("public_key is a %T, want RSA", k)
	}
	return rk, nil
}

var releaseRE = regexp.MustCompile(`^v?(\d+(?:\.\d+)*)`)

// compareVersions compares the release segments of two PEP 440 versions.
func compareVersions(a, b string) int {
	parse := func(s string) []int {
		m := releaseRE.FindStringSubmatch(s)
		if m == nil {
			return nil
		}
		var out []int
		for _, p := range strings.Split(m[1], ".") {
			n, _ := strconv.Atoi(p)
			out = append(out, n)
		}
		return out
	}
	x, y := parse(a), parse(b)
	if x == nil {
		return -1
	}
	for i := 0; i < len(x) || i < len(y); i++ {
		var p, q int
		if i < len(x) {
			p = x[i]
		}
		if i < len(y) {
			q = y[i]
		}
		if p != q {
			if p < q {
				return -1
			}
			return 1
		}
	}
	return 0
}
