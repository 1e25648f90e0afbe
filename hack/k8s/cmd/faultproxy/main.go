// Command faultproxy is a TCP proxy that injects network faults between a Kubernetes client and its
// API server, for the end-to-end tests. It works below TLS: the bytes pass through untouched, so the
// client still verifies the API server's certificate and authenticates with its own.
//
//	faultproxy -listen 127.0.0.1:0 -upstream 127.0.0.1:16443 -control 127.0.0.1:0
//
// Once both ports are open it prints one line, "faultproxy: listening on ADDR, control on ADDR".
// The control API (plain HTTP) switches faults at runtime:
//
//	POST /faults?latency=200ms&jitter=100ms  delay the server's bytes (so every round trip) by latency ± jitter
//	POST /faults?reset_every=4s              cut every open connection with a TCP RST every 4 s (0: never)
//	POST /reset                              cut every open connection now
//	POST /lose-responses?for=1s              for 1 s, requests still reach the server but nothing it sends
//	                                         comes back; then the connections that lost bytes are cut
//	POST /partition                          until /clear, nothing passes either way: requests never reach
//	                                         the server, new connections hang; /clear then cuts the
//	                                         connections that lost bytes (idle ones live on, as over TCP)
//	POST /clear                              no faults
//	GET  /stats                              {"accepted":…,"open":…,"resets":…,"dropped_bytes":…,"loss_windows":…}
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

type proxy struct {
	upstream string

	mu         sync.Mutex
	conns      map[*conn]struct{}
	latency    time.Duration
	jitter     time.Duration
	resetEvery time.Duration
	lastReset  time.Time
	lossUntil  time.Time // the end of the lose-responses window, if one is open
	partition  bool      // the client is cut off from the server, both ways, until /clear

	accepted, resets, droppedBytes, lossWindows atomic.Int64
}

// conn is one client connection and its connection to the API server.
type conn struct {
	client, server *net.TCPConn
	// tainted: bytes from the server were dropped, so the TLS stream is broken beyond repair and the
	// connection must be cut (and must not pass on anything more).
	tainted atomic.Bool
	once    sync.Once
}

// chunk is a piece of the server's stream, to be written to the client at due.
type chunk struct {
	data []byte
	due  time.Time
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address the clients connect to")
	upstream := flag.String("upstream", "127.0.0.1:16443", "the API server")
	control := flag.String("control", "127.0.0.1:0", "address of the control API")
	flag.Parse()
	log.SetPrefix("faultproxy: ")

	p := &proxy{upstream: *upstream, conns: map[*conn]struct{}{}}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	ctl, err := net.Listen("tcp", *control)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("faultproxy: listening on %s, control on %s\n", ln.Addr(), ctl.Addr())
	os.Stdout.Sync()

	go p.periodicResets()
	go func() { log.Fatal(http.Serve(ctl, p.controlAPI())) }()
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go p.handle(c.(*net.TCPConn))
	}
}

func (p *proxy) handle(client *net.TCPConn) {
	p.accepted.Add(1)
	up, err := net.DialTimeout("tcp", p.upstream, 5*time.Second)
	if err != nil {
		log.Printf("upstream: %v", err)
		client.Close()
		return
	}
	c := &conn{client: client, server: up.(*net.TCPConn)}
	p.mu.Lock()
	p.conns[c] = struct{}{}
	p.mu.Unlock()

	// Client to server: untouched but in a partition, so requests keep reaching the server even while
	// responses are lost.
	go func() {
		buf := make([]byte, 32*1024)
		for {
			n, err := c.client.Read(buf)
			if n > 0 {
				if p.requestDropped(c) {
					p.droppedBytes.Add(int64(n))
				} else if _, werr := c.server.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		c.close(false)
	}()

	// Server to client through a delay line: a reader stamps each chunk with its due time, a writer
	// sends it then. Due times never decrease, so jitter reorders nothing (TCP would not either).
	chunks := make(chan chunk, 256)
	go func() {
		failed := false
		for ch := range chunks {
			if failed {
				continue // keep draining so that the reader never blocks on a dead connection
			}
			time.Sleep(time.Until(ch.due))
			if _, err := c.client.Write(ch.data); err != nil {
				failed = true
				c.close(false) // the client is gone: stop reading from the server too
			}
		}
		// The server's stream ended (or the connection was cut): delayed bytes are out, now close.
		c.close(false)
		p.forget(c)
	}()
	var lastDue time.Time
	buf := make([]byte, 32*1024)
	for {
		n, err := c.server.Read(buf)
		if n > 0 {
			if delay, drop := p.chunkFaults(c); drop {
				p.droppedBytes.Add(int64(n))
			} else {
				due := time.Now().Add(delay)
				if due.Before(lastDue) {
					due = lastDue
				}
				lastDue = due
				chunks <- chunk{append([]byte(nil), buf[:n]...), due}
			}
		}
		if err != nil {
			break
		}
	}
	close(chunks)
}

// chunkFaults returns the delay of a chunk the server sent on c now, or whether to drop it. Under the
// lock, so that a connection tainted in a loss window is always among those cut at its end.
func (p *proxy) chunkFaults(c *conn) (delay time.Duration, drop bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.partition || time.Now().Before(p.lossUntil) || c.tainted.Load() {
		c.tainted.Store(true)
		return 0, true
	}
	delay = p.latency
	if p.jitter > 0 {
		delay += time.Duration(rand.Int64N(int64(2*p.jitter)+1)) - p.jitter
	}
	return max(delay, 0), false
}

// requestDropped says whether bytes the client sent on c now are lost: in a partition, and on a
// connection that already lost bytes (its TLS stream is broken). Under the lock, as chunkFaults.
func (p *proxy) requestDropped(c *conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.partition || c.tainted.Load() {
		c.tainted.Store(true)
		return true
	}
	return false
}

// close ends both connections, with an RST (linger 0) when reset: the peer sees "connection reset",
// as when a load balancer or NAT drops the connection, rather than an orderly end of stream.
func (c *conn) close(reset bool) {
	c.once.Do(func() {
		if reset {
			c.client.SetLinger(0)
			c.server.SetLinger(0)
		}
		c.client.Close()
		c.server.Close()
	})
}

func (p *proxy) forget(c *conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// resetAll cuts every open connection (or only the tainted ones) and returns how many.
func (p *proxy) resetAll(onlyTainted bool) int {
	p.mu.Lock()
	if onlyTainted && time.Now().Before(p.lossUntil) {
		p.mu.Unlock()
		return 0 // a later loss window is still open: its end cuts them
	}
	var cut []*conn
	for c := range p.conns {
		if !onlyTainted || c.tainted.Load() {
			cut = append(cut, c)
		}
	}
	if !onlyTainted {
		p.lastReset = time.Now()
	}
	p.mu.Unlock()
	for _, c := range cut {
		c.close(true)
	}
	p.resets.Add(int64(len(cut)))
	return len(cut)
}

func (p *proxy) periodicResets() {
	for range time.Tick(50 * time.Millisecond) {
		p.mu.Lock()
		due := p.resetEvery > 0 && time.Since(p.lastReset) >= p.resetEvery
		p.mu.Unlock()
		if due {
			p.resetAll(false)
		}
	}
}

// loseResponses opens a window in which the server's bytes are dropped: requests sent in it reach the
// server and take effect, but the client never learns the outcome. At its end the connections that
// lost bytes are cut, so the client sees an error rather than waiting for its timeout.
func (p *proxy) loseResponses(window time.Duration) {
	p.mu.Lock()
	if until := time.Now().Add(window); until.After(p.lossUntil) {
		p.lossUntil = until
	}
	p.mu.Unlock()
	p.lossWindows.Add(1)
	time.AfterFunc(window, func() { p.resetAll(true) })
}

func (p *proxy) controlAPI() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /faults", func(w http.ResponseWriter, r *http.Request) {
		// Parse all first, so that a bad value changes nothing.
		set := map[*time.Duration]time.Duration{}
		for name, target := range map[string]*time.Duration{
			"latency": &p.latency, "jitter": &p.jitter, "reset_every": &p.resetEvery,
		} {
			if v := r.URL.Query().Get(name); v != "" {
				d, err := time.ParseDuration(v)
				if err != nil || d < 0 {
					http.Error(w, fmt.Sprintf("%s: not a duration: %q", name, v), http.StatusBadRequest)
					return
				}
				set[target] = d
			}
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		for target, d := range set {
			*target = d
		}
		p.lastReset = time.Now() // the first periodic reset is a full period from now
		fmt.Fprintf(w, "latency=%s jitter=%s reset_every=%s\n", p.latency, p.jitter, p.resetEvery)
	})
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "reset %d connections\n", p.resetAll(false))
	})
	mux.HandleFunc("POST /lose-responses", func(w http.ResponseWriter, r *http.Request) {
		d, err := time.ParseDuration(r.URL.Query().Get("for"))
		if err != nil || d <= 0 {
			http.Error(w, "for: a positive duration is required", http.StatusBadRequest)
			return
		}
		p.loseResponses(d)
		fmt.Fprintf(w, "losing responses for %s\n", d)
	})
	mux.HandleFunc("POST /partition", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.partition = true
		p.mu.Unlock()
		fmt.Fprintln(w, "partitioned until /clear")
	})
	mux.HandleFunc("POST /clear", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.latency, p.jitter, p.resetEvery, p.lossUntil, p.partition = 0, 0, 0, time.Time{}, false
		p.mu.Unlock()
		p.resetAll(true) // connections that lost bytes cannot recover
		fmt.Fprintln(w, "no faults")
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		open := len(p.conns)
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]int64{
			"accepted": p.accepted.Load(), "open": int64(open), "resets": p.resets.Load(),
			"dropped_bytes": p.droppedBytes.Load(), "loss_windows": p.lossWindows.Load(),
		})
	})
	return mux
}
