#!/usr/bin/env python3
"""Expected partition placements computed by PyKafka itself, for ferrokafka's partitioner tests.

Run with PyKafka installed (tested with pykafka 2.8.0 on Python 3.11):
    python3 -m venv /tmp/pk && /tmp/pk/bin/pip install pykafka==2.8.0
    /tmp/pk/bin/python core/tests/pykafka_reference/make_expected.py
Writes hashing_expected.json (placements) and keys.txt (the keys, hex, one a line, for the Java reference).
"""
import json
import os
import random
import zlib
from hashlib import sha1

import pykafka
import pykafka.partitioners as pkp
from pykafka.partition import Partition

HERE = os.path.dirname(os.path.abspath(__file__))
COUNTS = [1, 2, 3, 7, 12, 100]


def keys():
    rng = random.Random(20261123)
    words = ["", "a", "abc", "key", "user-1", "foobar", "21", "héllo wörld", "日本語", "kafka",
             "a-little-bit-long-string", "a-little-bit-longer-string",
             "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"]
    out = [w.encode("utf-8") for w in words]
    out += [("key-%d" % i).encode() for i in range(100)]
    out += [bytes([i]) for i in (0, 1, 127, 128, 255)]
    out += [bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 40))) for _ in range(70)]
    out += [b"\x00" * 16, b"\xff" * 16, b"x" * 1000, bytes(range(256)) * 4]
    out += [("long-%d-" % i).encode() * 50 for i in range(8)]
    assert len(out) == 200, len(out)
    return out


def metadata_order(n):
    """Partition ids 0..n-1 in a shuffled 'metadata' order, to check the partitioners sort them."""
    ids = list(range(n))
    random.Random(n).shuffle(ids)
    return ids


class _Topic(object):
    """Stands in for a Topic: Partition only keeps a weak reference to it."""


TOPIC = _Topic()


def parts(ids):
    """Real pykafka Partition objects (sorted by id via Partition.__lt__), in the given order."""
    return [Partition(TOPIC, i, None, [], []) for i in ids]


def signed128(k):
    """A custom hash_func returning negative numbers too: the first 16 SHA-1 bytes as a signed int."""
    return int.from_bytes(sha1(k).digest()[:16], "big", signed=True)


def small(k):
    """A custom hash_func around zero, so abs(h + randrange(g)) crosses zero."""
    return len(k) % 7 - 3


def group_placements(hash_func, group_size, ps, key):
    """PyKafka's GroupHashingPartitioner, with random.randrange forced to each possible value in turn."""
    partitioner = pkp.GroupHashingPartitioner(hash_func, group_size=group_size)
    real = pkp.random.randrange
    out = []
    try:
        for r in range(group_size):
            pkp.random.randrange = lambda a, b, r=r: r
            try:
                out.append(partitioner(ps, key).id)
            except ValueError:
                return "ValueError"
    finally:
        pkp.random.randrange = real
    return out


def main():
    ks = keys()
    partition_lists = {n: metadata_order(n) for n in COUNTS}
    default = pkp.HashingPartitioner()
    custom = {"signed128": pkp.HashingPartitioner(signed128), "small": pkp.HashingPartitioner(small)}
    cases = []
    for k in ks:
        case = {"key": k.hex(), "hashing": {}, "signed128": {}, "small": {}, "group": {}, "crc32": {}}
        for n, ids in partition_lists.items():
            ps = parts(ids)
            case["hashing"][str(n)] = default(ps, k).id
            for name, p in custom.items():
                case[name][str(n)] = p(ps, k).id
            # librdkafka's consistent partitioner (rd_crc32 is zlib's CRC-32); empty keys are random there.
            case["crc32"][str(n)] = zlib.crc32(k) % n if k else None
            for fname, f in (("sha1", default.hash_func), ("signed128", signed128), ("small", small)):
                for g in (1, 2, 3, 4):
                    case["group"]["%s/%d/%d" % (fname, g, n)] = group_placements(f, g, ps, k)
        cases.append(case)

    # RandomPartitioner: the first 25 calls over one partition list, and None-key errors.
    rp = pkp.RandomPartitioner()
    ps = parts(partition_lists[7])
    sequence = [rp(ps, None).id for _ in range(25)]

    none_errors = {}
    for name, p in (("hashing", default), ("group", pkp.GroupHashingPartitioner(small, 1))):
        try:
            p(parts([0]), None)
            none_errors[name] = "no error"
        except ValueError as e:
            none_errors[name] = "ValueError: %s" % e

    out = {
        "generator": "core/tests/pykafka_reference/make_expected.py",
        "pykafka_version": pykafka.__version__,
        "partition_lists": {str(n): ids for n, ids in partition_lists.items()},
        "random_sequence_over_7": sequence,
        "none_key_errors": none_errors,
        "cases": cases,
    }
    with open(os.path.join(HERE, "hashing_expected.json"), "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"))
        f.write("\n")
    with open(os.path.join(HERE, "keys.txt"), "w") as f:
        f.write("".join(k.hex() + "\n" for k in ks))


if __name__ == "__main__":
    main()
