// swift-tools-version:6.1
// PrefLab: a REST service for RLHF and preference-optimisation experiments.
// Module map and what each module may import: see docs/ARCHITECTURE.md §2 (checked by scripts/check-imports.sh).
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

// The numeric modules are compiled with -O in debug builds too: unoptimised, a test that trains a policy
// for a few hundred steps runs 10–20× slower, so `make test` could only afford toy-sized runs of the
// algorithms it is meant to check. Everything else (servers, storage, the tests) stays -Onone.
let optimisedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

// Opt-in CPU tuning for the hand-written kernels (GELU, softmax, layer norm, AdamW): e.g.
// `PREFLAB_TARGET_CPU=haswell swift build -c release` lets them use AVX2/FMA. Off by default so the
// binary runs on any x86-64; OpenBLAS picks its own kernels at run time either way.
let kernelSettings: [SwiftSetting] = strict + (Context.environment["PREFLAB_TARGET_CPU"].map {
    [.unsafeFlags(["-target-cpu", $0])]
} ?? []) + optimisedInDebug

let package = Package(
    // Linux only: the server waits on epoll and the shims link Linux system libraries; no Apple platform is declared.
    name: "PrefLab",
    products: [
        .executable(name: "preflab", targets: ["preflab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    ],
    targets: [
        // System-library shims: a modulemap and a header each, no Swift logic.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CPostgres", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CLinux"),

        // Pure HTTP/1.1 parsing and serialising.
        .target(name: "HTTP1", swiftSettings: strict),
        // The strict JSON reader every request body and import line goes through (no duplicate keys, no NUL, bounded depth).
        .target(name: "StrictJSON", swiftSettings: strict),
        .target(name: "Alignment", dependencies: ["Policy", "Tensor"], swiftSettings: strict + optimisedInDebug),
        // The hand-written server over POSIX sockets.
        .target(
            name: "HTTPServer",
            dependencies: ["HTTP1", "CLinux", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // The one owner of libcurl: outbound HTTP for remote judges and webhooks.
        .target(name: "HTTPClient", dependencies: ["CCurl"], swiftSettings: strict),
        // Float32 CPU tensors and kernels (forward beside backward), BLAS-backed matmul, AdamW, RNG.
        .target(name: "Tensor", dependencies: ["CBLAS"], swiftSettings: kernelSettings),
        // Policies: GPT-style decoder, tokenizer, log-probs, sampling, value head, tabular policy, checkpoints, SFT.
        .target(name: "Policy", dependencies: ["Tensor", "StrictJSON"], swiftSettings: kernelSettings),
        // Store locations and reachability; grows into the repositories of the storage issue.
        .target(
            name: "Storage",
            dependencies: ["CSQLite", "CPostgres", "StrictJSON", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // Durable job queue (claim, lease, heartbeat, retry, dead letter, cancel) and the worker pool
        // that runs jobs on dedicated threads; knows nothing of what a job computes.
        .target(
            name: "Jobs",
            dependencies: ["Storage", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // The typed service layer: run specifications (decoded and validated once, stored as job payloads)
        // and the job handlers that execute them. Knows no HTTP, so a worker process can run it alone.
        .target(
            name: "Service",
            dependencies: ["Alignment", "Policy", "Tensor", "Storage", "Jobs", "HTTPClient",
                           .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // Composition root.
        .target(
            name: "App",
            dependencies: [
                "HTTP1", "HTTPServer", "StrictJSON", "Storage", "Policy", "Alignment", "Jobs", "Service", "CLinux",
                .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "preflab",
            dependencies: ["App", "Storage", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),

        // libFuzzer entry points (`make fuzz`): the HTTP/1.1 parser, the JSON reader, the safetensors reader, the tar reader.
        .target(name: "FuzzDriver", swiftSettings: strict),
        .executableTarget(name: "HTTP1Fuzz", dependencies: ["HTTP1", "FuzzDriver"], swiftSettings: strict),
        .executableTarget(name: "JSONFuzz", dependencies: ["StrictJSON", "FuzzDriver"], swiftSettings: strict),
        .executableTarget(name: "SafetensorsFuzz", dependencies: ["Policy", "FuzzDriver"], swiftSettings: strict),
        .executableTarget(name: "TarFuzz", dependencies: ["Policy", "FuzzDriver"], swiftSettings: strict),
        // `make bench-http`: the product's server plus a benchmark-only JSON echo route.
        .executableTarget(
            name: "HTTPBench",
            dependencies: ["App", "HTTPServer", "HTTP1"],
            path: "Benchmarks/HTTPBench",
            swiftSettings: strict
        ),

        // `make bench-eval`: one evaluation job's work, phase by phase.
        .executableTarget(
            name: "EvalBench",
            dependencies: ["Alignment", "Policy", "Storage"],
            path: "Benchmarks/EvalBench",
            swiftSettings: strict
        ),

        // `make bench-policy`: DPO-shaped step and KV-cached sampling against the PyTorch anchor.
        .executableTarget(
            name: "PolicyBench",
            dependencies: ["Policy", "Tensor"],
            path: "Benchmarks/PolicyBench",
            swiftSettings: strict
        ),

        // Shared by the tests: a raw live-socket client and throwaway stores.
        .target(name: "TestSupport", dependencies: ["Storage"], path: "Tests/TestSupport"),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1"], swiftSettings: strict),
        .testTarget(name: "StrictJSONTests", dependencies: ["StrictJSON", "Storage"], swiftSettings: strict),
        .testTarget(name: "AlignmentTests", dependencies: ["Alignment", "Policy", "Tensor"], swiftSettings: strict),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "HTTP1", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "HTTPServer", "HTTP1", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"], swiftSettings: strict),
        .testTarget(
            name: "PolicyTests",
            dependencies: ["Policy", "Tensor"],
            // Read through #filePath (see ParityTests), not bundled: make_fixture.py regenerates them.
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "JobsTests", dependencies: ["Jobs", "Storage", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ServiceTests", dependencies: ["Service", "Alignment", "Policy", "Storage", "Jobs", "HTTPServer", "HTTP1", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "AppTests", dependencies: ["App", "HTTPServer", "HTTP1", "Service", "Policy", "Storage", "TestSupport"], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
