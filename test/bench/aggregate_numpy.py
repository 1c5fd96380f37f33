"""NumPy side of `pnpm bench:aggregate`: each rule's math in float64 NumPy, timed.

Usage: python3 aggregate_numpy.py INPUT.bin PARAMS.json
INPUT.bin holds the n updates, each its layers as little-endian float32, one after another;
PARAMS.json: {"shape": [...], "samples": [...], "f": int, "m": int, "beta": float, "runs": int}.
The updates are already in canonical order. Prints one JSON object: rule -> {"ms": best of runs,
"sha256": hex of the float32 little-endian result}. The math is Flower's aggregate.py done in
float64 the way a NumPy programmer would (vectorised, NumPy's own summation order), with the
Krum distance matrix computed once as the TypeScript side does (Flower recomputes it per Bulyan
round); the conversion from float32 is timed, as the TypeScript side converts too.
"""

import hashlib
import json
import sys
import time

import numpy as np


def load(path, shape, n):
    flat = np.fromfile(path, dtype="<f4").reshape(n, sum(shape))
    bounds = np.cumsum([0] + shape)
    return [[flat[i, bounds[l] : bounds[l + 1]] for l in range(len(shape))] for i in range(n)]


def fedavg(updates, samples):
    total = float(sum(samples))
    out = []
    for l in range(len(updates[0])):
        acc = np.zeros(updates[0][l].shape, dtype=np.float64)
        for u, s in zip(updates, samples):
            acc += u[l].astype(np.float64) * s
        out.append((acc / total).astype(np.float32))
    return out


def median(updates):
    return [
        np.median(np.asarray([u[l] for u in updates], dtype=np.float64), axis=0).astype(np.float32)
        for l in range(len(updates[0]))
    ]


def trimmed_mean(updates, beta):
    n = len(updates)
    cut = int(beta * n)
    out = []
    for l in range(len(updates[0])):
        a = np.asarray([u[l] for u in updates], dtype=np.float64)
        part = np.partition(a, (cut, n - cut - 1), axis=0)
        out.append(np.mean(part[cut : n - cut], axis=0).astype(np.float32))
    return out


def distances(updates):
    flat = np.asarray([np.concatenate(u) for u in updates], dtype=np.float64)
    n = len(updates)
    d = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            diff = flat[i] - flat[j]
            d[i, j] = d[j, i] = np.dot(diff, diff)
    return d


def krum_scores(d, members, f):
    k = max(1, len(members) - f - 2)
    sub = d[np.ix_(members, members)]
    scores = []
    for r, _ in enumerate(members):
        others = np.sort(np.delete(sub[r], r))
        scores.append(others[:k].sum())
    return np.asarray(scores)


def krum(updates, f):
    d = distances(updates)
    best = int(np.argmin(krum_scores(d, list(range(len(updates))), f)))
    return [layer.copy() for layer in updates[best]]


def multikrum(updates, samples, f, m):
    d = distances(updates)
    scores = krum_scores(d, list(range(len(updates))), f)
    chosen = sorted(np.argsort(scores, kind="stable")[:m].tolist())
    return fedavg([updates[i] for i in chosen], [samples[i] for i in chosen])


def bulyan(updates, f):
    n = len(updates)
    theta = n - 2 * f
    beta = theta - 2 * f
    d = distances(updates)
    remaining = list(range(n))
    chosen = []
    for _ in range(theta):
        pick = remaining[int(np.argmin(krum_scores(d, remaining, f)))]
        chosen.append(pick)
        remaining.remove(pick)
    out = []
    for l in range(len(updates[0])):
        a = np.asarray([updates[i][l] for i in sorted(chosen)], dtype=np.float64)
        med = np.median(a, axis=0)
        idx = np.argpartition(np.abs(a - med), beta - 1, axis=0)[:beta]
        out.append(np.mean(np.take_along_axis(a, idx, axis=0), axis=0).astype(np.float32))
    return out


def main():
    params = json.load(open(sys.argv[2]))
    shape, samples = params["shape"], params["samples"]
    f, m, beta, runs = params["f"], params["m"], params["beta"], params["runs"]
    updates = load(sys.argv[1], shape, len(samples))
    rules = {
        "fedavg": lambda: fedavg(updates, samples),
        "median": lambda: median(updates),
        "trimmed_mean": lambda: trimmed_mean(updates, beta),
        "krum": lambda: krum(updates, f),
        "multikrum": lambda: multikrum(updates, samples, f, m),
        "bulyan": lambda: bulyan(updates, f),
    }
    report = {}
    for name, fn in rules.items():
        best = float("inf")
        for _ in range(runs):
            t = time.perf_counter()
            result = fn()
            best = min(best, (time.perf_counter() - t) * 1000)
        digest = hashlib.sha256(b"".join(np.asarray(x, dtype="<f4").tobytes() for x in result)).hexdigest()
        report[name] = {"ms": best, "sha256": digest}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
