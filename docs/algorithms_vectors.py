"""Recomputes the numbers of docs/ALGORITHMS.md in float64, independently of the Swift code.

usage: python3 docs/algorithms_vectors.py        (needs numpy and scipy)

Each block prints under the section it belongs to. The closed forms are written from the equations of the
document, not from the Swift sources, so agreement between the two is a check of both.
"""
import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp

np.set_printoptions(precision=6, suppress=True)


def softmax_log(logits):
    z = logits - logits.max()
    p = np.exp(z)
    return p / p.sum()


def log_sigmoid(x):
    return -np.logaddexp(0, -x)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def kl(p, q):
    return float(np.sum(p * (np.log(p) - np.log(q))))


P3 = np.array([[0.5, 0.9, 0.2], [0.1, 0.5, 0.7], [0.8, 0.3, 0.5]])
RPS = np.array([[0.5, 1, 0], [0, 0.5, 1], [1, 0, 0.5]])
RPSLS = np.array([[0.5 if i == j else (0.9 if (j - i) % 5 in (1, 3) else 0.1) for j in range(5)] for i in range(5)])
REF3 = np.array([0.6, 0.3, 0.1])
REF5 = np.array([0.4, 0.25, 0.15, 0.12, 0.08])
PI_K = np.array([0.5, 0.2, 0.3])  # the start of the one-step vectors


def mwu(pi, eta, P=P3):
    return softmax_log(np.log(pi) + eta * (P @ pi))


def omd(pi, eta, tau, P=P3, ref=REF3):
    return softmax_log((1 - eta * tau) * np.log(pi) + eta * tau * np.log(ref) + eta * (P @ pi))


def nash_md(pi, eta, tau, P=P3, ref=REF3):
    mix = softmax_log((1 - eta * tau) * np.log(pi) + eta * tau * np.log(ref))
    return softmax_log(np.log(mix) + eta * (P @ mix)), mix


def nash_mp(pi, beta, eta, P=P3, ref=REF3):
    def prox(opponent):
        return softmax_log((np.log(pi) + eta * beta * np.log(ref) + eta * (P @ opponent)) / (1 + eta * beta))
    half = prox(pi)
    return prox(half), half


def regularized_nash(P, ref, beta):
    pi, n = ref.copy(), 0
    while True:
        new, _ = nash_mp(pi, beta, 2.0, P, ref)
        n += 1
        if np.abs(new - pi).max() < 1e-15:
            return new, n
        pi = new


def duality_gap(P, ref, beta, pi):
    return (beta * logsumexp(np.log(ref) + (P @ pi) / beta) + beta * logsumexp(np.log(ref) - (P.T @ pi) / beta)
            + 2 * beta * kl(pi, ref))


def exploitability(P, pi):
    return (P @ pi).max() - 0.5


def bradley_terry(P, w):
    n = len(P)

    def nll(r):
        return -sum(w[i, j] * (P[i, j] * log_sigmoid(r[i] - r[j]) + P[j, i] * log_sigmoid(r[j] - r[i]))
                    for i in range(n) for j in range(n) if i != j)
    r = minimize(nll, np.zeros(n), method="BFGS", options={"gtol": 1e-12}).x
    return r - r.mean()


def section_1_6():
    print("§1.6 DPO family, beta = 0.1")
    pc, pr = np.array([-10, -25, -7.5, -40.0]), np.array([-12, -24, -9, -38.0])
    rc, rr = np.array([-11, -25.5, -7.5, -41.0]), np.array([-11.5, -23, -8, -40.0])
    nw, nl = np.array([5, 12, 4, 20]), np.array([6, 10, 5, 18])
    beta, eps = 0.1, 0.1
    a, b = pc - rc, pr - rr
    d = a - b
    rows = {
        "sigmoid": -log_sigmoid(beta * d),
        "dL/dDelta": -beta * sigmoid(-beta * d),
        "hinge": np.maximum(0, 1 - beta * d),
        "ipo sum": (d - 1 / (2 * beta)) ** 2,
        "ipo token": (a / nw - b / nl - 1 / (2 * beta)) ** 2,
        "cdpo": -(1 - eps) * log_sigmoid(beta * d) - eps * log_sigmoid(-beta * d),
        "robust": (-(1 - eps) * log_sigmoid(beta * d) + eps * log_sigmoid(-beta * d)) / (1 - 2 * eps),
        "sppo_hard": (a - 0.5 / beta) ** 2 + (b + 0.5 / beta) ** 2,
    }
    with np.printoptions(precision=10):
        for name, v in rows.items():
            print(f"  {name:10s} {v}  mean {v.mean():.10f}")
    print("  rewards/chosen", beta * a, "rewards/rejected", beta * b, "accuracies", (a > b).astype(int))
    print(f"  RPO NLL = {-pc.sum():.1f}/{nw.sum()} = {-pc.sum() / nw.sum():.10f}")


def section_2():
    print("§2.5 SPPO: exploitability of the average and last iterate, P3, eta = 1/sqrt(T)")
    for T in (100, 1000, 10000):
        pi, total = REF3.copy(), np.zeros(3)
        for _ in range(T):
            pi = mwu(pi, 1 / np.sqrt(T))
            total += pi
        print(f"  T={T:5d}  average {exploitability(P3, total / T):.5f}  last {exploitability(P3, pi):.5f}")
    wins = P3 @ PI_K
    loss = lambda z: np.sum(PI_K * (np.log(softmax_log(z)) - np.log(PI_K) - 2 * (wins - 0.5)) ** 2)
    argmin = softmax_log(minimize(loss, np.zeros(3), method="BFGS", options={"gtol": 1e-12}).x)
    print("  eta = 2 from", PI_K, ": loss argmin", argmin, " exact MWU", mwu(PI_K, 2))
    print("§2.6 SPPO vectors")
    s = np.array([1.2, 0.3, -0.5, 0.8, -1.0])
    M = sigmoid(s[:, None] - s[None, :])
    win, lose, pref = M[0].mean(), M[4].mean(), M[0, 4]
    print(f"  P(w>l) {pref:.10f}  win {win:.10f}  lose {lose:.10f}")
    for code_beta in (0.1, 0.001):
        eta = 1 / code_beta
        ew, el = 1.0 - eta * (win - 0.5), -0.5 - eta * (lose - 0.5)
        sw, sl = 1.0 - eta * (pref - 0.5), -0.5 + eta * (pref - 0.5)
        print(f"  code beta {code_beta}: {ew**2:.10f} {el**2:.10f} sppo {(ew**2 + el**2) / 2:.10f}"
              f" sppo_single {(sw**2 + sl**2) / 2:.10f} grads {ew:.10f} {el:.10f}")


def section_3(star):
    print("§3.1 INPO: argmin of the regression over labelled pairs from pi_t, eta = 2, tau = 0.1")

    def loss(z, eta=2.0, tau=0.1):
        lp = np.log(softmax_log(z))
        total = 0.0
        for i in range(3):
            for j in range(3):
                h = (lp[i] - lp[j]) - eta * tau * np.log(REF3[i] / REF3[j]) - (1 - eta * tau) * np.log(PI_K[i] / PI_K[j])
                total += PI_K[i] * PI_K[j] * P3[i, j] * (h - eta / 2) ** 2
        return total
    argmin = softmax_log(minimize(loss, np.zeros(3), method="BFGS", options={"gtol": 1e-12}).x)
    print("  argmin", argmin, " OMD step", omd(PI_K, 2, 0.1))
    print("§3.5 INPO: KL(pi*_tau || pi_T) at T = 1, 10, 100, 1000")
    for eta in (0.5, 1, 2):
        pi, out = REF3.copy(), []
        for t in range(1, 1001):
            pi = omd(pi, eta, 0.1)
            if t in (1, 10, 100, 1000):
                out.append(f"{kl(star, pi):.3g}")
        print(f"  eta {eta}: {out}")
    star_small, _ = regularized_nash(P3, REF3, 0.01)
    for eta in (0.5, 1, 5):
        pi = REF3.copy()
        for _ in range(5000):
            pi = omd(pi, eta, 0.1 if eta == 5 else 0.01)
        target = star if eta == 5 else star_small
        print(f"  tau {0.1 if eta == 5 else 0.01}, eta {eta}: KL after 5000 steps {kl(target, pi):.2g}")
    h = 2 - 0.5 / 3 - (2 / 3) * 1.3
    print(f"§3.6 INPO vector: h {h:.10f}  loss(code eta 0.0075) {(h - 1 / 0.015) ** 2:.4f}  loss(code eta 0.5) {(h - 1) ** 2:.10f}")


def section_4(star):
    print("§4.1 Nash-MD on P3, tau = 0.1")
    pi = REF3.copy()
    for t in range(1000):
        pi, _ = nash_md(pi, 2 / (0.1 * (t + 2)), 0.1)
        if t + 1 in (10, 100, 1000):
            print(f"  schedule, T={t + 1}: KL {kl(star, pi):.3g}")
    pi = REF3.copy()
    for _ in range(20000):
        pi, _ = nash_md(pi, 1, 0.1)
    print(f"  constant eta = 1 stalls at KL {kl(star, pi):.3g}")
    y, r = np.array([-1.2, -0.4, -2.0]), np.array([-1.0, -0.7, -1.5])
    p = sigmoid(0.8 - 0.2)
    score, kl_term = (p - 0.5) * y.sum(), ((y - r) * y).sum()
    print(f"§4.2 vector: p {p:.10f} score {score:.10f} loss/kl {kl_term:.2f} loss {0.1 * kl_term - score:.10f}"
          f" coefficients {0.1 * (y - r) - (p - 0.5)}")


def section_5(star):
    print("§5.1 Nash-MP on P3, beta = 0.1, eta = 2")
    pi, kl0 = REF3.copy(), kl(star, REF3)
    for k in range(31):
        if k in (0, 1, 2, 5, 10, 20, 30):
            print(f"  k={k:2d} N={2 * k:2d} KL {kl(star, pi):.6e} bound {1.2 ** -k * kl0:.6e} pi {pi}")
        pi, _ = nash_mp(pi, 0.1, 2)
    full, half = nash_mp(PI_K, 0.1, 2)
    print("  one step: wins", P3 @ PI_K, "half", half, "full", full)


def section_6():
    print("§6.2 pi*_beta (iterations of Nash-MP, eta = 2)")
    for name, P, ref in (("P3", P3, REF3), ("RPS_hard", RPS, REF3), ("RPSLS_soft5", RPSLS, REF5)):
        for beta in (0.01, 0.1, 1):
            s, n = regularized_nash(P, ref, beta)
            print(f"  {name:11s} beta {beta:<4}: {s} ({n} iterations)")
    print("§6.3 DPO's population optimum")
    r = bradley_terry(P3, np.ones((3, 3)))
    print("  P3 uniform r_hat", r)
    for beta in (0.1, 1):
        pd = softmax_log(np.log(REF3) + r / beta)
        print(f"  beta {beta}: {pd} exploitability {exploitability(P3, pd):.4f} gap {duality_gap(P3, REF3, beta, pd):.4f}")
    r = bradley_terry(P3, np.outer(REF3, REF3))
    print("  P3 pairs from pi_ref x pi_ref: r_hat", r, "optimum", softmax_log(np.log(REF3) + r / 0.1))
    print(f"  RPS_hard at pi_ref: gap {duality_gap(RPS, REF3, 0.1, REF3):.4f} exploitability {exploitability(RPS, REF3):.4f}")
    print(f"  RPSLS_soft5 at pi_ref: gap {duality_gap(RPSLS, REF5, 0.1, REF5):.4f} exploitability {exploitability(RPSLS, REF5):.4f}")
    gaps = []
    pi = REF3.copy()
    for _ in range(100):
        pi, _ = nash_mp(pi, 0.1, 2)
    gaps.append(f"Nash-MP@100 {duality_gap(P3, REF3, 0.1, pi):.2g}")
    pi = REF3.copy()
    for t in range(200):
        pi = omd(pi, 1, 0.1)
        if t + 1 in (100, 200):
            gaps.append(f"INPO@{t + 1} {duality_gap(P3, REF3, 0.1, pi):.2g}")
    pi = REF3.copy()
    for t in range(10000):
        pi, _ = nash_md(pi, 2 / (0.1 * (t + 2)), 0.1)
        if t + 1 in (1000, 10000):
            gaps.append(f"Nash-MD@{t + 1} {duality_gap(P3, REF3, 0.1, pi):.2g}")
    print("  regularised gaps on P3:", ", ".join(gaps))
    print("§6.4 one step from", PI_K)
    full, half = nash_mp(PI_K, 0.1, 2)
    md, mix = nash_md(PI_K, 0.5, 0.1)
    print("  Nash-MP", half, full, "\n  Nash-MD", mix, md, "\n  INPO", omd(PI_K, 2, 0.1), "\n  SPPO", mwu(PI_K, 2))


def clipped(log_ratio, advantage, eps):
    """PPO's max(−A·r, −A·clip(r)) with its derivative in log πθ (0 where the clipped term is larger)."""
    r = np.exp(log_ratio)
    unclipped, cl = -advantage * r, -advantage * np.clip(r, 1 - eps, 1 + eps)
    return (cl, 0.0, True) if cl > unclipped else (unclipped, -advantage * r, False)


def section_12():
    print("§12.5 PPO policy loss")
    terms = [clipped(0.1, 1, 0.2), clipped(-0.3, -2, 0.2), clipped(0.5, 0.5, 0.2)]
    print("  loss %.10f grads %s clipfrac %.4f approxkl %.10f" % (
        sum(t[0] for t in terms) / 3, [round(t[1] / 3, 10) for t in terms], sum(t[2] for t in terms) / 3,
        0.5 * (0.1 ** 2 + 0.3 ** 2 + 0.5 ** 2) / 3))
    v, v_old, ret = np.array([0.5, 1.0]), np.array([0.2, 0.9]), np.array([1.0, 0.0])
    v_clipped = v_old + np.clip(v - v_old, -0.2, 0.2)
    plain, cl = (v - ret) ** 2, (v_clipped - ret) ** 2
    grads = np.where(cl > plain, 0.0, 0.1 * (v - ret) / 2)
    print("§12.5 PPO value loss %.10f grads %s clipfrac %.2f" % (0.5 * np.maximum(plain, cl).mean(), grads, (cl > plain).mean()))
    a, b = clipped(-1.5 + 1.4, 2, 0.2), clipped(0.4, -1, 0.2)
    print("§12.5 RLOO loss %.10f grads %.10f %.10f" % ((a[0] + b[0]) / 2, a[1] / 2, b[1] / 2))
    delta = np.array([-0.2, 0.1])
    k3 = np.exp(delta) - delta - 1
    per_token = -0.8 + 0.04 * k3
    print("§12.5 GRPO loss %.10f grads %s kl %.10f" % (per_token.mean(), (-0.8 + 0.04 * (1 - np.exp(delta))) / 2, k3.mean()))


if __name__ == "__main__":
    star_p3, _ = regularized_nash(P3, REF3, 0.1)
    section_1_6()
    section_2()
    section_3(star_p3)
    section_4(star_p3)
    section_5(star_p3)
    section_6()
    section_12()
