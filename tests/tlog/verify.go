// Command verify checks a log that `pledge publish` wrote, as a client of C2SP tlog-tiles
// would, with the Go module's own transparency-log code (golang.org/x/mod/sumdb/note and
// golang.org/x/mod/sumdb/tlog; Debian's golang-golang-x-mod-dev):
//
//	go run verify.go DIR VKEY [INDEX...]
//
// It opens DIR/checkpoint with the log's verifier key, reads tiles through tlog's
// TileHashReader (which checks every tile against the checkpoint's root), recomputes the
// tree hash, and for each INDEX (default: first, middle, last) reads the entry from its
// bundle and checks an inclusion proof built from the tiles. It prints one line per entry:
// "entry INDEX HEX".
package main

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// dirTiles reads C2SP tiles (tile/L/N[.p/W], no height element) from a directory.
type dirTiles struct{ dir string }

func (d dirTiles) Height() int { return 8 }

func (d dirTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	data := make([][]byte, len(tiles))
	for i, t := range tiles {
		b, err := os.ReadFile(filepath.Join(d.dir, c2spPath(t)))
		if err != nil {
			return nil, err
		}
		data[i] = b
	}
	return data, nil
}

func (d dirTiles) SaveTiles([]tlog.Tile, [][]byte) {}

// c2spPath is Go's tile path without its height element: tile/8/L/N -> tile/L/N.
func c2spPath(t tlog.Tile) string {
	return "tile/" + strings.TrimPrefix(t.Path(), "tile/8/")
}

// entry reads entry i of a tree of size n from its bundle.
func entry(dir string, i, n int64) ([]byte, error) {
	t := tlog.Tile{H: 8, L: 0, N: i / 256, W: 256}
	if (i/256+1)*256 > n {
		t.W = int(n % 256)
	}
	path := strings.Replace(c2spPath(t), "tile/0/", "tile/entries/", 1)
	b, err := os.ReadFile(filepath.Join(dir, path))
	if err != nil {
		return nil, err
	}
	for k := int64(0); ; k++ {
		if len(b) < 2 {
			return nil, fmt.Errorf("%s: entry %d missing", path, i)
		}
		size := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+size {
			return nil, fmt.Errorf("%s: truncated", path)
		}
		if k == i%256 {
			return b[2 : 2+size], nil
		}
		b = b[2+size:]
	}
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "verify:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("usage: verify DIR VKEY [INDEX...]")
	}
	dir := args[0]
	verifier, err := note.NewVerifier(strings.TrimSpace(args[1]))
	if err != nil {
		return err
	}
	text, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		return err
	}
	n, err := note.Open(text, note.VerifierList(verifier))
	if err != nil {
		return fmt.Errorf("checkpoint: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		return fmt.Errorf("checkpoint: not a checkpoint body")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return err
	}
	rootBytes, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rootBytes) != tlog.HashSize {
		return fmt.Errorf("checkpoint: bad root")
	}
	var root tlog.Hash
	copy(root[:], rootBytes)
	hr := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, dirTiles{dir})
	th, err := tlog.TreeHash(size, hr)
	if err != nil {
		return fmt.Errorf("tree hash: %v", err)
	}
	if th != root {
		return fmt.Errorf("tree hash %v, checkpoint root %v", th, root)
	}
	indexes := []int64{0, size / 2, size - 1}
	if len(args) > 2 {
		indexes = nil
		for _, a := range args[2:] {
			i, err := strconv.ParseInt(a, 10, 64)
			if err != nil {
				return err
			}
			indexes = append(indexes, i)
		}
	}
	for _, i := range indexes {
		data, err := entry(dir, i, size)
		if err != nil {
			return err
		}
		proof, err := tlog.ProveRecord(size, i, hr)
		if err != nil {
			return fmt.Errorf("proof of %d: %v", i, err)
		}
		if err := tlog.CheckRecord(proof, size, root, i, tlog.RecordHash(data)); err != nil {
			return fmt.Errorf("entry %d: %v", i, err)
		}
		fmt.Printf("entry %d %s\n", i, hex.EncodeToString(data))
	}
	fmt.Printf("OK %s size %d root %s\n", lines[0], size, root)
	return nil
}
