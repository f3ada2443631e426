package synthetic

import (
	"math/bits"
	"math/rand/v2"
)

// pcgStream is the second PCG seed word, fixed so that a generator's output depends on its
// seed alone.
const pcgStream = 0x4861726d61747461 // "Harmatta"

// source draws from PCG-DXSM with integer arithmetic only, so its draws are the same on every
// machine and Go release (math/rand/v2's Rand methods make no such promise).
type source struct {
	pcg *rand.PCG
}

func newSource(seed uint64) source {
	return source{pcg: rand.NewPCG(seed, pcgStream)}
}

// below returns a uniform value in [0, n), n > 0 (Lemire's multiply-and-reject method).
func (s source) below(n uint64) uint64 {
	hi, lo := bits.Mul64(s.pcg.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(s.pcg.Uint64(), n)
		}
	}
	return hi
}

// permille reports true with probability p/1000.
func (s source) permille(p uint64) bool {
	return s.below(1000) < p
}

// normal returns a bell-shaped offset with mean 0 and standard deviation sigma (both
// integers): the sum of four 16-bit uniforms (Irwin-Hall), scaled. It never exceeds
// ±sqrt(3)·2 ≈ 3.46 sigma. sigma3 is sigma·sqrt(3), rounded.
func (s source) normal(sigma3 int64) int64 {
	x := s.pcg.Uint64()
	sum := int64(x&0xffff) + int64(x>>16&0xffff) + int64(x>>32&0xffff) + int64(x>>48)
	// The sum has mean 4·65535/2 and standard deviation 65536/sqrt(3).
	return (sum - 2*0xffff) * sigma3 >> 16
}

// pick returns an index drawn with the given cumulative weights (cum[i] is the sum of the
// weights of 0..i).
func (s source) pick(cum []uint64) int {
	r := s.below(cum[len(cum)-1])
	for i, c := range cum {
		if r < c {
			return i
		}
	}
	return len(cum) - 1
}

// cumulate returns the running sums of weights.
func cumulate(weights []uint64) []uint64 {
	cum := make([]uint64, len(weights))
	var t uint64
	for i, w := range weights {
		t += w
		cum[i] = t
	}
	return cum
}
