"""Reference 1: a lean pandas backtest. Vectorized indicators (SMA 20/50, Wilder RSI 14), then a
per-candle Python loop: enter on a fresh cross up with RSI <= 70 at the next open plus slippage,
exit at a 2% stop (checked first), a 3% target, or on the reversal (fast below slow) at the close;
0.4% taker fee on every fill. Usage: python3 bench/pandas_loop.py PAIR_FILE.kbc..."""
import sys
import time

import numpy as np
import pandas as pd

from reference_common import FAST, FEE, RSI_MAX, RSI_PERIOD, SLIPPAGE, SLOW, STOP, TARGET, load, report


def indicators(close):
    s = pd.Series(close)
    fast = s.rolling(FAST).mean()
    slow = s.rolling(SLOW).mean()
    delta = s.diff()
    gain = delta.clip(lower=0).ewm(alpha=1 / RSI_PERIOD, adjust=False).mean()
    loss = (-delta.clip(upper=0)).ewm(alpha=1 / RSI_PERIOD, adjust=False).mean()
    rsi = 100 - 100 / (1 + gain / loss)
    cross = (fast > slow) & (fast.shift(1) <= slow.shift(1))
    return fast.to_numpy(), slow.to_numpy(), rsi.to_numpy(), cross.to_numpy()


def replay(cols, cash=10_000.0):
    _, o, h, l, c, _ = cols
    fast, slow, rsi, cross = indicators(c)
    o, h, l, c = o.tolist(), h.tolist(), l.tolist(), c.tolist()
    fast, slow, rsi, cross = fast.tolist(), slow.tolist(), rsi.tolist(), cross.tolist()
    n = len(c)
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
            proceeds = amount * exit_price * (1 - SLIPPAGE)
            cash += proceeds * (1 - FEE)
            amount = 0.0
            trades += 1
        elif cross[i] and rsi[i] <= RSI_MAX and i + 1 < n:
            pending = True
    if amount > 0:
        cash += amount * c[-1] * (1 - SLIPPAGE) * (1 - FEE)
    return cash - 10_000.0, trades


def main(paths):
    data = [load(p) for p in paths]
    steps = sum(d.shape[1] for d in data)
    t = time.perf_counter()
    results = [replay(d) for d in data]
    seconds = time.perf_counter() - t
    report('pandas loop', seconds, steps, sum(r[1] for r in results), sum(r[0] for r in results), {'pandas': pd.__version__, 'numpy': np.__version__})


if __name__ == '__main__':
    main(sys.argv[1:])
