//go:build !race

package ingest

// raceDetector tells tests that measure time that the race detector slows everything down.
const raceDetector = false
