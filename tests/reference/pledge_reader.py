#!/usr/bin/env python3
"""An independent reader of pledge ledgers, written from docs/FORMAT.md alone (no Rust code
read): framing, payloads of every entry kind, the Merkle tree, the sequence check, the rules,
the figures and the conversion rule. tests/tests/reference.rs runs it on golden and generated
ledgers and checks that it gets the roots, findings and figures `pledge` gets.

    pledge_reader.py LEDGER [--today YYYY-MM-DD]     prints a JSON summary
    pledge_reader.py --decode HEX-FRAME SEQ          prints one frame's record as JSON

Standard library only.
"""

import datetime
import hashlib
import json
import sys

MAGIC = bytes([0x89, 0x50, 0x4C, 0x45, 0x44, 0x47, 0x45, 0x0A])
MAX_FRAME = 648
EPOCH = datetime.date(2025, 1, 1)
I64 = 2**63 - 1
NAME, TEXT, CODE = 64, 256, 16


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


class Damage(Exception):
    """The bytes are not a record."""


def cobs_decode(body):
    out = bytearray()
    i = 0
    while i < len(body):
        code = body[i]
        if code == 0:
            raise Damage("cobs")
        block = body[i + 1 : i + code]
        if len(block) != code - 1:
            raise Damage("cobs")
        out += block
        i += code
        if code < 0xFF and i < len(body):
            out.append(0)
    return bytes(out)


def cobs_encode(data):
    """The shortest COBS: no empty block after data that ends with a full block of 254."""
    out = bytearray()
    block = bytearray()
    just_full = False
    for byte in data:
        if byte == 0:
            out.append(len(block) + 1)
            out += block
            block = bytearray()
            just_full = False
        else:
            block.append(byte)
            if len(block) == 254:
                out.append(0xFF)
                out += block
                block = bytearray()
                just_full = True
    if block or not just_full:
        out.append(len(block) + 1)
        out += block
    return bytes(out)


class Cursor:
    def __init__(self, data):
        self.data = data
        self.at = 0
        self.canonical = True

    def byte(self):
        if self.at >= len(self.data):
            raise Damage("short")
        b = self.data[self.at]
        self.at += 1
        return b

    def varint(self, bits):
        value = shift = 0
        for n in range(10 if bits == 64 else 5):
            b = self.byte()
            value |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                if n > 0 and b == 0:
                    self.canonical = False
                if value >= 2**bits:
                    raise Damage("varint")
                return value
        raise Damage("varint")

    def zigzag(self, bits):
        z = self.varint(bits)
        return (z >> 1) ^ -(z & 1)

    def string(self, capacity):
        n = self.varint(32)
        raw = self.data[self.at : self.at + n]
        if len(raw) != n or n > capacity:
            raise Damage("string")
        self.at += n
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Damage("utf-8")

    def option(self, read):
        flag = self.byte()
        if flag == 0:
            return None
        if flag == 1:
            return read()
        raise Damage("option")

    def date(self):
        return day_of(self.zigzag(32))

    def amount(self):
        units = self.zigzag(64)
        return (units, self.varint(32))


def day_of(days):
    try:
        return EPOCH + datetime.timedelta(days=days)
    except OverflowError:
        raise Damage("date")


def decode(payload, expected):
    """The record in `payload`, numbered from the expected number; raises Damage."""
    c = Cursor(payload)
    check = c.byte()
    seq = expected + ((check - expected) % 256)
    tag = c.varint(32)

    def back():
        d = c.varint(32)
        if d > seq:
            raise Damage("forward")
        return seq - d

    e = {"tag": tag}
    if tag == 0:
        e["origin"] = c.string(NAME)
    elif tag == 1:
        e["code"] = c.string(CODE)
        e["decimals"] = c.byte()
    elif tag in (2, 3, 4, 5):
        e["name"] = c.string(NAME)
    elif tag == 6:
        e["date"] = c.date()
        e["name"] = c.string(NAME)
        e["beneficiary"] = c.option(lambda: c.varint(32))
        e["target"] = c.amount()
        e["deadline"] = c.option(c.date)
        e["memo"] = c.option(lambda: c.string(TEXT))
    elif tag == 7:
        e["date"] = c.date()
        e["from"] = c.varint(32)
        e["to"] = c.varint(32)
        e["amount"] = c.amount()
        flags = c.byte()
        if flags & 0x80:
            raise Damage("flags")
        e["goal"] = c.varint(32) if flags & 1 else None
        e["project"] = c.varint(32) if flags & 2 else None
        e["sector"] = c.varint(32) if flags & 4 else None
        tags = []
        if flags & 8:
            n = c.varint(32)
            if n == 0 or n > 8:
                raise Damage("tags")
            tags = [c.varint(32) for _ in range(n)]
        e["tags"] = tags
        e["due"] = day_of((e["date"] - EPOCH).days + c.varint(32)) if flags & 16 else None
        e["memo"] = c.string(TEXT) if flags & 32 else None
        e["planned"] = bool(flags & 64)
    elif tag in (8, 15):
        e["date"] = c.date()
        e["pledge"] = back()
        e["amount"] = c.amount()
        e["memo"] = c.option(lambda: c.string(TEXT))
    elif tag == 9:
        e["date"] = c.date()
        e["pledge"] = back()
        e["amount"] = c.amount()
        e["reason"] = c.string(TEXT)
    elif tag == 10:
        e["date"] = c.date()
        e["pledge"] = back()
        e["reason"] = c.string(TEXT)
    elif tag == 11:
        e["date"] = c.date()
        e["about"] = c.option(back)
        e["text"] = c.string(TEXT)
    elif tag == 12:
        e["size"] = c.varint(64)
        root = payload[c.at : c.at + 32]
        if len(root) != 32:
            raise Damage("root")
        c.at += 32
        e["root"] = root.hex()

        def signature():
            signer = c.string(NAME)
            raw = payload[c.at : c.at + 68]
            if len(raw) != 68:
                raise Damage("signature")
            c.at += 68
            return {"signer": signer, "key_id": raw[:4].hex(), "signature": raw[4:].hex()}

        e["signature"] = c.option(signature)
    elif tag == 13:
        e["date"] = c.date()
        e["base"] = c.varint(32)
        e["quote"] = c.varint(32)
        e["mantissa"] = c.varint(64)
        e["scale"] = c.byte()
        e["goal"] = c.option(lambda: c.varint(32))
    elif tag == 14:
        e["date"] = c.date()
        e["record"] = back()
        e["reason"] = c.string(TEXT)
    elif tag == 16:
        e["date"] = c.date()
        e["kind"] = c.byte()
        if e["kind"] > 4:
            raise Damage("kind")
        e["from"] = c.varint(32)
        e["to"] = c.varint(32)
        e["reason"] = c.string(TEXT)
    elif tag == 17:
        e["date"] = c.date()
        e["pledge"] = back()
        e["due"] = c.option(c.date)
        e["reason"] = c.string(TEXT)
    elif tag == 18:
        e["date"] = c.date()
        e["goal"] = back()
        e["target"] = c.amount()
        e["deadline"] = c.option(c.date)
        e["beneficiary"] = c.option(lambda: c.varint(32))
        e["reason"] = c.string(TEXT)
    else:
        raise Damage("unknown kind")
    if c.at != len(payload):
        raise Damage("trailing")
    return seq, e, c.canonical


# The Merkle tree (RFC 6962).
def leaf(payload):
    return hashlib.sha256(b"\x00" + payload).digest()


def mth(leaves):
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


# The rules.
BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))
WHITE = {0x20, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000} | set(range(0x2000, 0x200B))


def name_ok(s):
    return (
        s != ""
        and all(not (ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0) and ord(ch) not in BIDI for ch in s)
        and ord(s[0]) not in WHITE
        and ord(s[-1]) not in WHITE
    )


def text_ok(s):
    return s != "" and all(
        ch in "\n\t" or (not (ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0) and ord(ch) not in BIDI) for ch in s
    )


def code_ok(s):
    return (
        0 < len(s) <= 16
        and s[0].isascii()
        and s[0].isalpha()
        and all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in s)
    )


class Broken(Exception):
    """A record breaks a rule."""


class Ledger:
    def __init__(self, today=None):
        self.today = today
        self.origin = None
        self.commodities = []  # (code, decimals)
        self.names = {2: [], 3: [], 4: [], 5: []}
        self.goals = []  # dicts
        self.pledges = {}  # seq -> dict
        self.events = {}  # seq -> (pledge seq or None, kind)
        self.notes = {}  # seq -> {voided, date}
        self.rates = []
        self.aliases = {}  # (kind, from) -> to
        self.bound = []
        self.next = 0

    # Figures of a pledge, replaying its events: the one place the event rules are.
    def replay(self, p, skip=None, extra=None):
        f = {"amount": p["original"], "fulfilled": 0, "returned": 0, "cancelled": False, "due": p["due"]}
        events = [ev for ev in p["events"] if not ev["voided"] and ev["seq"] != skip]
        if extra:
            events.append(extra)
        for ev in events:
            kind, value = ev["kind"], ev.get("value")
            if kind == "fulfil":
                if f["cancelled"] or value > f["amount"] - f["fulfilled"]:
                    raise Broken(ev["seq"])
                f["fulfilled"] += value
            elif kind == "return":
                if value > f["fulfilled"]:
                    raise Broken(ev["seq"])
                f["fulfilled"] -= value
                f["returned"] += value
            elif kind == "amend":
                if f["cancelled"] or value < f["fulfilled"]:
                    raise Broken(ev["seq"])
                f["amount"] = value
            elif kind == "cancel":
                if f["cancelled"] or f["fulfilled"] >= f["amount"]:
                    raise Broken(ev["seq"])
                f["cancelled"] = True
            elif kind == "reschedule":
                if f["cancelled"]:
                    raise Broken(ev["seq"])
                f["due"] = value
        return f

    def peak(self, p):
        amends = [ev["value"] for ev in p["events"] if ev["kind"] == "amend"]
        return max([p["original"]] + amends)

    def goal_of_seq(self, seq):
        return next((g for g in self.goals if g["seq"] == seq), None)

    def merged_away(self, kind, ident):
        return (kind, ident) in self.aliases

    def now(self, kind, ident):
        return self.aliases.get((kind, ident), ident)

    def apply(self, seq, e):
        """Checks the record and folds it in; raises Broken without changing anything."""
        tag = e["tag"]
        if seq != self.next:
            raise Broken("sequence")
        if (tag == 0) != (seq == 0):
            raise Broken("open")
        for key in ("origin", "name"):
            if key in e and not name_ok(e[key]):
                raise Broken("name")
        for key in ("memo", "reason", "text"):
            if e.get(key) is not None and not text_ok(e[key]):
                raise Broken("text")
        if "date" in e and self.today is not None and e["date"] > self.today and not e.get("planned"):
            raise Broken("future")
        check = getattr(self, "check_%d" % tag)
        fold = check(seq, e)
        if fold:
            fold()
        self.next += 1

    def commodity(self, cid):
        if cid >= len(self.commodities):
            raise Broken("unknown commodity")

    def party(self, pid):
        if pid is not None and pid >= len(self.names[2]):
            raise Broken("unknown party")

    def positive(self, amount):
        self.commodity(amount[1])
        if amount[0] <= 0:
            raise Broken("not positive")

    def check_0(self, seq, e):
        return lambda: setattr(self, "origin", e["origin"])

    def check_1(self, seq, e):
        if not code_ok(e["code"]) or any(c == e["code"] for c, _ in self.commodities) or e["decimals"] > 18:
            raise Broken("commodity")

        def fold():
            self.commodities.append((e["code"], e["decimals"]))
            self.bound.append(0)

        return fold

    def check_2(self, seq, e):
        names = self.names[e["tag"]]
        if e["name"] in names:
            raise Broken("duplicate")
        return lambda: names.append(e["name"])

    check_3 = check_4 = check_5 = check_2

    def check_6(self, seq, e):
        if any(g["name"] == e["name"] for g in self.goals):
            raise Broken("duplicate goal")
        self.party(e["beneficiary"])
        self.positive(e["target"])
        goal = {k: e[k] for k in ("date", "name", "beneficiary", "target", "deadline")}
        goal["seq"] = seq
        return lambda: self.goals.append(goal)

    def check_7(self, seq, e):
        self.party(e["from"])
        self.party(e["to"])
        self.positive(e["amount"])
        for kind, ident in ((3, e["project"]), (4, e["sector"])):
            if ident is not None and ident >= len(self.names[kind]):
                raise Broken("unknown name")
        for t in e["tags"]:
            if t >= len(self.names[5]):
                raise Broken("unknown tag")
        if e["goal"] is not None and e["goal"] >= len(self.goals):
            raise Broken("unknown goal")
        if e["due"] is not None and e["due"] < e["date"]:
            raise Broken("due")
        units, cid = e["amount"]
        if self.bound[cid] + units > I64:
            raise Broken("bound")
        p = {
            "seq": seq, "date": e["date"], "from": e["from"], "to": e["to"], "goal": e["goal"],
            "project": e["project"], "sector": e["sector"], "commodity": cid, "original": units,
            "due": e["due"], "voided": False, "events": [],
        }

        def fold():
            self.pledges[seq] = p
            self.bound[cid] += units

        return fold

    def event(self, seq, e, kind, value=None):
        p = self.pledges.get(e["pledge"])
        if p is None:
            raise Broken("no pledge")
        if p["voided"]:
            raise Broken("void")
        if "amount" in e:
            if e["amount"][1] != p["commodity"]:
                raise Broken("commodity")
            if e["amount"][0] <= 0:
                raise Broken("not positive")
        if e["date"] < p["date"]:
            raise Broken("date")
        if kind == "reschedule" and value is not None and value < p["date"]:
            raise Broken("due")
        ev = {"seq": seq, "kind": kind, "value": value, "date": e["date"], "voided": False}
        try:
            self.replay(p, extra=ev)
        except Broken:
            raise Broken(kind)
        raise_by = 0
        if kind == "amend" and value > self.peak(p):
            raise_by = value - self.peak(p)
            if self.bound[p["commodity"]] + raise_by > I64:
                raise Broken("bound")

        def fold():
            p["events"].append(ev)
            self.events[seq] = p["seq"]
            self.bound[p["commodity"]] += raise_by

        return fold

    def check_8(self, seq, e):
        return self.event(seq, e, "fulfil", e["amount"][0])

    def check_9(self, seq, e):
        return self.event(seq, e, "amend", e["amount"][0])

    def check_10(self, seq, e):
        return self.event(seq, e, "cancel")

    def check_15(self, seq, e):
        return self.event(seq, e, "return", e["amount"][0])

    def check_17(self, seq, e):
        return self.event(seq, e, "reschedule", e["due"])

    def check_11(self, seq, e):
        about = e["about"]
        if about is not None:
            subject = self.pledges.get(about) or self.goal_of_seq(about)
            if subject is None:
                raise Broken("no subject")
            if subject.get("voided"):
                raise Broken("void")
            if e["date"] < subject["date"]:
                raise Broken("date")
        return lambda: self.notes.__setitem__(seq, {"voided": False, "date": e["date"]})

    def check_12(self, seq, e):
        if e["size"] != seq:
            raise Broken("size")
        return None

    def check_13(self, seq, e):
        self.commodity(e["base"])
        self.commodity(e["quote"])
        if e["goal"] is not None and e["goal"] >= len(self.goals):
            raise Broken("unknown goal")
        if e["mantissa"] == 0 or e["scale"] > 18 or e["base"] == e["quote"]:
            raise Broken("rate")
        rate = dict(e, seq=seq, voided=False)
        return lambda: self.rates.append(rate)

    def check_14(self, seq, e):
        target = e["record"]
        if target in self.pledges:
            p = self.pledges[target]
            if p["voided"] or e["date"] < p["date"]:
                raise Broken("void")

            def fold():
                p["voided"] = True
                self.bound[p["commodity"]] -= self.peak(p)

            return fold
        rate = next((r for r in self.rates if r["seq"] == target), None)
        if rate is not None:
            if rate["voided"] or e["date"] < rate["date"]:
                raise Broken("void")
            return lambda: rate.__setitem__("voided", True)
        if target in self.notes:
            note = self.notes[target]
            if note["voided"] or e["date"] < note["date"]:
                raise Broken("void")
            return lambda: note.__setitem__("voided", True)
        if target in self.events:
            p = self.pledges[self.events[target]]
            ev = next(ev for ev in p["events"] if ev["seq"] == target)
            if p["voided"] or ev["voided"] or e["date"] < ev["date"]:
                raise Broken("void")
            self.replay(p, skip=target)
            return lambda: ev.__setitem__("voided", True)
        raise Broken("not voidable")

    def check_16(self, seq, e):
        kind = e["kind"]
        count = len(self.goals) if kind == 4 else len(self.names[kind + 2])
        if e["from"] >= count or e["to"] >= count:
            raise Broken("unknown")
        if e["from"] == e["to"] or self.merged_away(kind, e["from"]) or self.merged_away(kind, e["to"]):
            raise Broken("rename")

        def fold():
            for key, to in list(self.aliases.items()):
                if key[0] == kind and to == e["from"]:
                    self.aliases[key] = e["to"]
            self.aliases[(kind, e["from"])] = e["to"]

        return fold

    def check_18(self, seq, e):
        goal = self.goal_of_seq(e["goal"])
        if goal is None:
            raise Broken("unknown goal")
        if e["date"] < goal["date"]:
            raise Broken("date")
        if e["target"][1] != goal["target"][1]:
            raise Broken("commodity")
        self.party(e["beneficiary"])
        self.positive(e["target"])

        def fold():
            goal["target"] = e["target"]
            goal["deadline"] = e["deadline"]
            goal["beneficiary"] = e["beneficiary"]

        return fold

    # Figures.
    def totals(self, pledges):
        t = {k: 0 for k in ("pledged", "amended", "cancelled_amount", "committed", "fulfilled", "returned", "outstanding", "pledges", "cancelled")}
        for p in pledges:
            f = self.replay(p)
            committed = f["fulfilled"] if f["cancelled"] else f["amount"]
            t["pledged"] += p["original"]
            t["amended"] += f["amount"] - p["original"]
            t["cancelled_amount"] += f["amount"] - committed
            t["committed"] += committed
            t["fulfilled"] += f["fulfilled"]
            t["returned"] += f["returned"]
            t["outstanding"] += committed - f["fulfilled"]
            t["pledges"] += 1
            t["cancelled"] += 1 if f["cancelled"] else 0
        return t

    def live(self):
        return [p for p in self.pledges.values() if not p["voided"]]

    def money(self, units, cid):
        decimals = self.commodities[cid][1]
        sign = "-" if units < 0 else ""
        digits = str(abs(units)).rjust(decimals + 1, "0")
        whole, frac = digits[: len(digits) - decimals], digits[len(digits) - decimals :]
        return sign + whole + ("." + frac if decimals else "")

    def by_commodity(self):
        rows = {}
        for cid, (code, _) in enumerate(self.commodities):
            pledges = [p for p in self.live() if p["commodity"] == cid]
            if pledges:
                rows[code] = {k: (v if k in ("pledges", "cancelled") else self.money(v, cid)) for k, v in self.totals(pledges).items()}
        return rows

    def rate_for(self, gid, source, target):
        def best(fixed):
            found = [
                r for r in self.rates
                if not r["voided"]
                and (None if r["goal"] is None else self.now(4, r["goal"])) == fixed
                and {r["base"], r["quote"]} == {source, target}
            ]
            return max(found, key=lambda r: (r["date"], r["seq"])) if found else None

        return best(gid) or best(None)

    def goal_report(self):
        out = []
        for gid, goal in enumerate(self.goals):
            if self.merged_away(4, gid):
                continue
            target = goal["target"][1]
            committed = fulfilled = 0
            unconverted = []
            mine = [p for p in self.live() if p["goal"] is not None and self.now(4, p["goal"]) == gid]
            for cid in sorted({p["commodity"] for p in mine}):
                t = self.totals([p for p in mine if p["commodity"] == cid])
                if cid == target:
                    committed += t["committed"]
                    fulfilled += t["fulfilled"]
                    continue
                rate = self.rate_for(gid, cid, target)
                if rate is None:
                    unconverted.append(self.commodities[cid][0])
                    continue
                num, den = rate["mantissa"], 10 ** rate["scale"]
                if rate["base"] != cid:
                    num, den = den, num
                convert = lambda units: round_half_away(
                    units * num * 10 ** self.commodities[target][1],
                    den * 10 ** self.commodities[cid][1],
                )
                committed += convert(t["committed"])
                fulfilled += convert(t["fulfilled"])
            whole = goal["target"][0]
            out.append({
                "id": goal["seq"],
                "committed": self.money(committed, target),
                "fulfilled": self.money(fulfilled, target),
                "remaining": self.money(whole - committed, target),
                "committed_percent": percent(committed, whole),
                "fulfilled_percent": percent(fulfilled, whole),
                "unconverted": sorted(unconverted),
            })
        return out


def round_half_away(n, d):
    q, r = divmod(abs(n), d)
    if 2 * r >= d:
        q += 1
    return q if n >= 0 else -q


def percent(part, whole):
    tenths = round_half_away(1000 * part, whole)
    sign = "-" if tenths < 0 else ""
    return "%s%d.%d" % (sign, abs(tenths) // 10, abs(tenths) % 10)


def read(data, today=None):
    if len(data) < 8 or data[:8] != MAGIC:
        return {"readable": False}
    if len(data) < 16 or crc32c(data[:12]) != int.from_bytes(data[12:16], "little"):
        return {"readable": False}
    version = int.from_bytes(data[8:10], "little")
    if version != 1 or data[10:12] != b"\x00\x00":
        return {"readable": False}
    ledger = Ledger(today)
    findings = []
    leaves = []
    pos = 16
    damaged_before = 0
    frames = []  # (offset, frame bytes incl. delimiter) of complete frames, in order
    tail = None
    while pos < len(data):
        while pos < len(data) and data[pos] == 0:
            pos += 1
        if pos >= len(data):
            break
        end = data.find(b"\x00", pos)
        if end < 0:
            rest = data[pos:].rstrip(b"\xff")
            if rest:
                tail = ("torn_tail" if len(rest) < MAX_FRAME else "damaged", pos)
            break
        frame = data[pos : end + 1]
        if set(frame[:-1]) != {0xFF}:
            frames.append((pos, frame))
        pos = end + 1
    i = 0
    while i < len(frames):
        offset, frame = frames[i]
        i += 1
        n = ledger.next
        payload = None
        try:
            if len(frame) > MAX_FRAME:
                raise Damage("too long")
            body = cobs_decode(frame[:-1])
            if len(body) <= 4 or crc32c(body[:-4]) != int.from_bytes(body[-4:], "little"):
                raise Damage("crc")
            payload = body[:-4]
            seq, entry, canonical = decode(payload, n)
        except Damage:
            if payload is None:
                findings.append({"kind": "damaged", "seq": None})
                damaged_before += 1
            else:
                findings.append({"kind": "damaged", "seq": n})
                leaves.append(leaf(payload))
                ledger.next += 1
            continue
        if not canonical or cobs_encode(body) + b"\x00" != frame:
            findings.append({"kind": "non_canonical", "seq": seq})
        jump = (payload[0] - n) % 256
        if jump >= 128 or (jump > 0 and next_carries(frames, i, n)):
            findings.append({"kind": "out_of_place", "seq": n})
            damaged_before = 0
            leaves.append(leaf(payload))
            continue
        missing = jump - damaged_before
        damaged_before = 0
        if missing > 0:
            findings.append({"kind": "sequence", "seq": n})
        ledger.next += jump
        seq = ledger.next
        if jump:
            seq, entry, _ = decode(payload, seq)
        if entry["tag"] == 12:
            if entry["size"] == len(leaves) and mth(leaves).hex() != entry["root"]:
                findings.append({"kind": "checkpoint_root", "seq": seq})
        try:
            ledger.apply(seq, entry)
        except Broken:
            findings.append({"kind": "rule", "seq": seq})
            ledger.next += 1
        leaves.append(leaf(payload))
    if tail:
        findings.append({"kind": tail[0], "seq": None})
    if ledger.origin is None:
        findings.append({"kind": "no_open", "seq": None})
    return {
        "readable": True,
        "records": len(leaves),
        "root": mth(leaves).hex(),
        "findings": findings,
        "by_commodity": ledger.by_commodity(),
        "goals": ledger.goal_report(),
    }


def next_carries(frames, i, n):
    """Whether the next intact frame is a record carrying number n."""
    if i >= len(frames):
        return False
    _, frame = frames[i]
    try:
        body = cobs_decode(frame[:-1])
        if len(body) <= 4 or crc32c(body[:-4]) != int.from_bytes(body[-4:], "little"):
            return False
        decode(body[:-4], n)
        return body[0] == n % 256
    except Damage:
        return False


def as_json(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(value)


def main(args):
    if args[:1] == ["--decode"]:
        frame = bytes.fromhex(args[1].replace(" ", ""))
        body = cobs_decode(frame[:-1])
        assert crc32c(body[:-4]) == int.from_bytes(body[-4:], "little"), "CRC"
        seq, entry, canonical = decode(body[:-4], int(args[2]))
        print(json.dumps({"seq": seq, "entry": entry, "canonical": canonical}, default=as_json))
        return
    today = None
    if "--today" in args:
        today = datetime.date.fromisoformat(args[args.index("--today") + 1])
    with open(args[0], "rb") as f:
        print(json.dumps(read(f.read(), today), default=as_json, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
