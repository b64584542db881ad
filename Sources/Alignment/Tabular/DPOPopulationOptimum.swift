/// DPO's answer with infinite data on a tabular game: the Bradley–Terry MLE r̂ over the sampled pairs,
/// then `π_DPO ∝ π_ref · exp(r̂ / β)` (docs/ALGORITHMS.md §1.5).
///
/// Rafailov et al., arXiv 2305.18290, §5 (the implicit reward `β log π/π_ref` is the BT reward). r̂ maximises
/// `Σ_{i≠j} w_ij [P_ij log σ(r_i − r_j) + P_ji log σ(r_j − r_i)]`. For an intransitive P this is not the
/// regularised Nash equilibrium, and it depends on the pair weights w (docs/ALGORITHMS.md §6.3).
///
/// ```swift
/// let pi = try DPOPopulationOptimum(beta: 0.1).policy(in: .p3)   // ≈ (0.850819, 0.007377, 0.141803)
/// ```
public struct DPOPopulationOptimum: Sendable, Hashable {
    /// How often each ordered pair (y_i, y_j), i ≠ j, is in the dataset.
    public enum PairWeighting: Sendable, Hashable {
        /// Every ordered pair once.
        case uniform
        /// Pairs drawn from π_ref × π_ref: `w_ij = π_ref(i) π_ref(j)`.
        case reference
        /// Explicit non-negative weights, n × n (the diagonal is ignored).
        case custom([[Double]])
    }

    /// DPO's β > 0.
    public var beta: Double
    /// The sampling distribution of the pairs.
    public var weighting: PairWeighting

    /// Creates the optimum's definition; nothing is computed until ``rewards(in:)`` or ``policy(in:)``.
    public init(beta: Double, weighting: PairWeighting = .uniform) {
        self.beta = beta
        self.weighting = weighting
    }

    /// The BT rewards r̂, centred to mean 0 (they are identified only up to a constant).
    ///
    /// Throws `.noFiniteOptimum` when the "beats" graph (edge i→j if `(w_ij + w_ji) P_ij > 0`) is not strongly
    /// connected: then some group is never beaten by the rest and its rewards diverge (Ford, 1957).
    public func rewards(in game: TabularGame) throws(TabularError) -> [Double] {
        let n = game.count
        let w = try weights(for: game)
        // a[i][j]: total weight of the event "y_i beat y_j", from both orders of the pair.
        var a = Array(repeating: Array(repeating: 0.0, count: n), count: n)
        for i in 0..<n {
            for j in 0..<n where i != j { a[i][j] = (w[i][j] + w[j][i]) * game.matrix[i, j] }
        }
        guard stronglyConnected(a) else {
            throw TabularError(.noFiniteOptimum, "some responses are never beaten by the others: BT rewards diverge")
        }
        let total = a.flatMap { $0 }.reduce(0, +)
        func logLikelihood(_ r: [Double]) -> Double {
            var s = 0.0
            for i in 0..<n { for j in 0..<n where a[i][j] > 0 { s += a[i][j] * logSigmoid(r[i] - r[j]) } }
            return s
        }
        // Newton's method on the concave log-likelihood with a backtracking line search. The Hessian is
        // singular along 1 (rewards shift freely), so solve with −H + 11ᵀ, which keeps Σδ = 0.
        var r = Array(repeating: 0.0, count: n)
        for _ in 0..<200 {
            var g = Array(repeating: 0.0, count: n)
            var h = Array(repeating: Array(repeating: 1.0, count: n), count: n)
            for i in 0..<n {
                for j in 0..<n where i != j {
                    g[i] += a[i][j] * sigmoid(r[j] - r[i]) - a[j][i] * sigmoid(r[i] - r[j])
                    let curvature = (a[i][j] + a[j][i]) * sigmoid(r[i] - r[j]) * sigmoid(r[j] - r[i])
                    h[i][i] += curvature
                    h[i][j] -= curvature
                }
            }
            if (g.map(abs).max() ?? 0) <= 1e-14 * max(total, 1) { break }
            let delta = solveLinearSystem(h, g)
            let current = logLikelihood(r)
            var t = 1.0
            var candidate = zip(r, delta).map { $0 + t * $1 }
            while logLikelihood(candidate) < current && t > 1e-10 {
                t /= 2
                candidate = zip(r, delta).map { $0 + t * $1 }
            }
            r = candidate
        }
        let m = mean(r)
        return r.map { $0 - m }
    }

    /// `π_DPO ∝ π_ref · exp(r̂ / β)`.
    public func policy(in game: TabularGame) throws(TabularError) -> ProbabilityVector {
        guard beta > 0 && beta.isFinite else {
            throw TabularError(.invalidParameter, "beta = \(beta) must be positive and finite")
        }
        let r = try rewards(in: game)
        return ProbabilityVector(logits: zip(game.reference.logProbabilities, r).map { $0 + $1 / beta })
    }

    private func weights(for game: TabularGame) throws(TabularError) -> [[Double]] {
        let n = game.count
        switch weighting {
        case .uniform:
            return Array(repeating: Array(repeating: 1.0, count: n), count: n)
        case .reference:
            let p = game.reference.probabilities
            return p.map { pi in p.map { pi * $0 } }
        case .custom(let w):
            guard w.count == n && w.allSatisfy({ $0.count == n }) else {
                throw TabularError(.dimensionMismatch, "pair weights must be \(n) × \(n)")
            }
            for (i, row) in w.enumerated() {
                for (j, x) in row.enumerated() {
                    guard x.isFinite else { throw TabularError(.nonFinite, "weight[\(i)][\(j)] = \(x) is not finite") }
                    guard x >= 0 else { throw TabularError(.notPositive, "weight[\(i)][\(j)] = \(x) is negative") }
                }
            }
            return w
        }
    }
}

/// Whether every node reaches every other along edges with positive weight.
private func stronglyConnected(_ a: [[Double]]) -> Bool {
    let n = a.count
    func reachesAll(_ edge: (Int, Int) -> Bool) -> Bool {
        var seen = Array(repeating: false, count: n)
        var stack = [0]
        seen[0] = true
        while let i = stack.popLast() {
            for j in 0..<n where !seen[j] && edge(i, j) {
                seen[j] = true
                stack.append(j)
            }
        }
        return seen.allSatisfy { $0 }
    }
    return reachesAll { a[$0][$1] > 0 } && reachesAll { a[$1][$0] > 0 }
}

/// Solves `A x = b` by Gaussian elimination with partial pivoting (A small and non-singular).
func solveLinearSystem(_ matrix: [[Double]], _ rhs: [Double]) -> [Double] {
    var a = matrix
    var b = rhs
    let n = b.count
    for col in 0..<n {
        let pivot = (col..<n).max { abs(a[$0][col]) < abs(a[$1][col]) } ?? col
        a.swapAt(col, pivot)
        b.swapAt(col, pivot)
        for row in (col + 1)..<n {
            let factor = a[row][col] / a[col][col]
            for k in col..<n { a[row][k] -= factor * a[col][k] }
            b[row] -= factor * b[col]
        }
    }
    var x = Array(repeating: 0.0, count: n)
    for row in stride(from: n - 1, through: 0, by: -1) {
        var s = b[row]
        for k in (row + 1)..<n { s -= a[row][k] * x[k] }
        x[row] = s / a[row][row]
    }
    return x
}
