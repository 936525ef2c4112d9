"""What a staffing plan should give when callers hang up: the Erlang A model (M/M/N+M).

Erlang C (routing.staffing) assumes nobody hangs up while waiting; the simulated citizens
do, after an exponential patience. Erlang A adds that patience: in state n (calls in the
system) calls arrive at rate λ, are served at rate min(n, N)·μ, and the n − N waiting ones
each give up at rate θ. The stationary distribution is summed until its terms vanish.
"""

from __future__ import annotations

import math


def erlang_a(agents: int, arrival_rate: float, handle_seconds: float, patience_seconds: float):
    """(probability of waiting, probability of abandoning) with N agents; the arrival rate
    per second, the mean handle time and the mean patience in seconds."""
    if arrival_rate <= 0:
        return 0.0, 0.0
    if agents <= 0:
        return 1.0, 1.0
    mu, theta = 1 / handle_seconds, 1 / patience_seconds
    # Work with logarithms: A^n / n! overflows for large n.
    log_terms = [n * math.log(arrival_rate / mu) - math.lgamma(n + 1) for n in range(agents + 1)]
    log_p = log_terms[:]
    n = agents
    while True:
        n += 1
        step = math.log(arrival_rate / (agents * mu + (n - agents) * theta))
        log_p.append(log_p[-1] + step)
        if log_p[-1] < max(log_p) - 40 and n > agents + 10:
            break
    top = max(log_p)
    weights = [math.exp(v - top) for v in log_p]
    total = sum(weights)
    waiting = sum(weights[agents:]) / total  # arrivals that find all agents busy (PASTA)
    queued = sum((k - agents) * w for k, w in enumerate(weights) if k > agents) / total
    abandoned = theta * queued / arrival_rate
    return waiting, abandoned
