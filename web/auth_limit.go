package web

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// authFailures rate-limits the addresses that send bad tokens: each address may fail
// authFailureBurst times at once, then once per authFailureEvery; beyond that its writes get
// 429 without their token being looked at, so that tokens cannot be guessed at speed.
type authFailures struct {
	mu    sync.Mutex
	addrs map[string]*rate.Limiter
}

const (
	authFailureBurst = 10
	authFailureEvery = 6 * time.Second
	// authFailureAddrs bounds the addresses remembered; past it the oldest picture is forgotten
	// (the map is emptied), which at worst gives an attacker a fresh burst.
	authFailureAddrs = 10000
)

// blocked reports whether addr has used up its failures, and how long until it may try again.
func (a *authFailures) blocked(addr string) (bool, time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	l := a.addrs[addr]
	if l == nil || l.Tokens() >= 1 {
		return false, 0
	}
	r := l.Reserve()
	wait := r.Delay()
	r.Cancel()
	return true, wait
}

// failed counts one failure of addr.
func (a *authFailures) failed(addr string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.addrs == nil || len(a.addrs) >= authFailureAddrs {
		a.addrs = map[string]*rate.Limiter{}
	}
	l := a.addrs[addr]
	if l == nil {
		l = rate.NewLimiter(rate.Every(authFailureEvery), authFailureBurst)
		a.addrs[addr] = l
	}
	l.Allow()
}

// tooManyFailures is the 429 answer to an address that failed too often.
func tooManyFailures(wait time.Duration) *apiError {
	return &apiError{http.StatusTooManyRequests, "TooManyRequests",
		"too many requests with a bad token from this address; retry in " + strconv.Itoa(int(wait.Seconds())+1) + " s"}
}
