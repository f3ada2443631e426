// Package synthetic generates synthetic, ACLED-like data for benchmarks and load tests.
//
// The data is made up: every record says so (synthetic = true, a notes sentence that starts
// "Synthetic incident", source "Harmattan synthetic generator"). Only the town points are real.
//
// Output depends only on the seed and the record count. The generators draw from PCG-DXSM
// (math/rand/v2's PCG) through this package's own integer arithmetic, with no floating-point
// math on the random path, so the same seed gives the same records on every run, Go release
// and machine.
package synthetic
