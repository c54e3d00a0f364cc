#!/usr/bin/env python3
"""An independent check of pledge's witness cosignatures, written from the C2SP
tlog-cosignature spec alone (v1, Ed25519) with Python's `cryptography`:

    verify_cosignature.py WITNESS.pub NOTE

Exits 0 if NOTE carries a valid cosignature by the witness, 1 if not."""
import base64
import hashlib
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def main(key_path, note_path):
    name, key_id, b64 = open(key_path).read().strip().split("+", 2)
    raw = base64.b64decode(b64)
    if raw[0] != 0x04 or len(raw) != 33:
        sys.exit("not an Ed25519 cosignature/v1 key (type 0x04)")
    public = raw[1:]
    if hashlib.sha256(name.encode() + b"\n\x04" + public).digest()[:4].hex() != key_id:
        sys.exit("key ID does not match")
    body, signatures = open(note_path).read().split("\n\n", 1)
    body += "\n"
    for line in signatures.splitlines():
        signer, data = line.removeprefix("\u2014 ").split(" ")
        blob = base64.b64decode(data)
        if signer != name or blob[:4].hex() != key_id or len(blob) != 76:
            continue
        timestamp = int.from_bytes(blob[4:12], "big")
        message = b"cosignature/v1\ntime %d\n" % timestamp + body.encode()
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(blob[12:], message)
        except InvalidSignature:
            sys.exit("the cosignature does not verify")
        print(f"cosigned by {name} at {timestamp}")
        return
    sys.exit(f"no cosignature by {name}")


if __name__ == "__main__":
    main(*sys.argv[1:])
