package signing

import (
	"crypto/rsa"
	"fmt"
	"io"
	"math/big"
)

// GenerateFrom derives an RSA key deterministically from r, for --seed. The
// standard library's rsa.GenerateKey ignores its reader, so primes are drawn
// here: same reader bytes, same key.
func GenerateFrom(r io.Reader) (*Keys, error) {
	e := big.NewInt(65537)
	one := big.NewInt(1)
	for {
		p, err := prime(r, KeyBits/2)
		if err != nil {
			return nil, err
		}
		q, err := prime(r, KeyBits/2)
		if err != nil {
			return nil, err
		}
		if p.Cmp(q) == 0 {
			continue
		}
		n := new(big.Int).Mul(p, q)
		if n.BitLen() != KeyBits {
			continue
		}
		phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
		d := new(big.Int).ModInverse(e, phi)
		if d == nil {
			continue
		}
		k := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: n, E: 65537}, D: d, Primes: []*big.Int{p, q}}
		if err := k.Validate(); err != nil {
			return nil, fmt.Errorf("derived key: %w", err)
		}
		k.Precompute()
		return FromPrivateKey(k), nil
	}
}

// prime draws candidates of exactly bits bits, top two bits set so that the
// product of two has the full size, until one is prime.
func prime(r io.Reader, bits int) (*big.Int, error) {
	buf := make([]byte, bits/8)
	for {
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		buf[0] |= 0xc0
		buf[len(buf)-1] |= 1
		p := new(big.Int).SetBytes(buf)
		if p.ProbablyPrime(20) {
			return p, nil
		}
	}
}
