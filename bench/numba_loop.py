"""Reference 2: the same work as pandas_loop.py compiled with numba (indicators and the per-candle
loop in one @njit function), timed after a first call compiles it (compile time reported apart).
Without numba it says so and exits 0. Usage: python3 bench/numba_loop.py PAIR_FILE.kbc..."""
import sys
import time

from reference_common import FAST, FEE, RSI_MAX, RSI_PERIOD, SLIPPAGE, SLOW, STOP, TARGET, load, report

try:
    import numba
    import numpy as np
except ImportError:
    print('{"reference": "numba loop", "skipped": "numba is not installed (apt-get install python3-numba)"}')
    sys.exit(0)


@numba.njit(cache=False)
def replay(o, h, l, c):
    n = c.shape[0]
    fast = np.full(n, np.nan)
    slow = np.full(n, np.nan)
    s = 0.0
    for i in range(n):
        s += c[i]
        if i >= FAST:
            s -= c[i - FAST]
        if i >= FAST - 1:
            fast[i] = s / FAST
    s = 0.0
    for i in range(n):
        s += c[i]
        if i >= SLOW:
            s -= c[i - SLOW]
        if i >= SLOW - 1:
            slow[i] = s / SLOW
    rsi = np.full(n, np.nan)
    gain = 0.0
    loss = 0.0
    a = 1.0 / RSI_PERIOD
    for i in range(1, n):
        d = c[i] - c[i - 1]
        g = d if d > 0 else 0.0
        lo = -d if d < 0 else 0.0
        if i == 1:
            gain, loss = g, lo
        else:
            gain = gain + a * (g - gain)
            loss = loss + a * (lo - loss)
        rsi[i] = 100.0 - 100.0 / (1.0 + gain / loss) if loss > 0 else 100.0
    cash = 10_000.0
    amount = 0.0
    entry = 0.0
    pending = False
    trades = 0
    for i in range(n):
        if pending:
            price = o[i] * (1 + SLIPPAGE)
            cost = cash * 0.1
            amount = cost / price
            cash -= cost * (1 + FEE)
            entry = price
            pending = False
        if amount > 0:
            stop = entry * (1 - STOP)
            target = entry * (1 + TARGET)
            if l[i] <= stop:
                exit_price = min(o[i], stop)
            elif h[i] >= target:
                exit_price = max(o[i], target)
            elif fast[i] < slow[i]:
                exit_price = c[i]
            else:
                continue
            cash += amount * exit_price * (1 - SLIPPAGE) * (1 - FEE)
            amount = 0.0
            trades += 1
        elif i > 0 and fast[i] > slow[i] and fast[i - 1] <= slow[i - 1] and rsi[i] <= RSI_MAX and i + 1 < n:
            pending = True
    if amount > 0:
        cash += amount * c[n - 1] * (1 - SLIPPAGE) * (1 - FEE)
    return cash - 10_000.0, trades


def main(paths):
    data = [load(p) for p in paths]
    steps = sum(d.shape[1] for d in data)
    t = time.perf_counter()
    replay(data[0][1][:200].copy(), data[0][2][:200].copy(), data[0][3][:200].copy(), data[0][4][:200].copy())
    compile_seconds = time.perf_counter() - t
    best = None
    for _ in range(3):
        t = time.perf_counter()
        results = [replay(d[1], d[2], d[3], d[4]) for d in data]
        seconds = time.perf_counter() - t
        best = seconds if best is None else min(best, seconds)
    report('numba loop', best, steps, sum(r[1] for r in results), sum(r[0] for r in results), {'compileSeconds': compile_seconds, 'numba': numba.__version__})


if __name__ == '__main__':
    main(sys.argv[1:])
