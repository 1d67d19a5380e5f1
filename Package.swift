// swift-tools-version: 6.0
//
// Cascade's package. The targets follow the layers of the design (docs/architecture.md):
// data flows one way, and a layer imports only the layers above it.
//
//   CascadeKernel      simulated time, the event queue, agents, seeded random streams
//   CascadeCore        on-chain vocabulary: 256-bit integers, WAD/RAY/RAD, addresses, reverts
//   CascadeChain       blocks, fee markets, mempool, builder, transaction execution
//   CascadeContracts   pure state machines (AMM, oracles, vaults, auctions); no kernel
//   CascadeAgents      market, reporters, keepers, borrowers, arbitrageurs
//   CascadeWorld       world files -> a wired simulation, with strict validation
//   CascadeRun         run one world or many, write outputs, draw reports
//   cascade            the thin command-line front end
//
// No package dependencies: only what ships with the Swift toolchain.
import PackageDescription

let package = Package(
    name: "Cascade",
    products: [
        .executable(name: "cascade", targets: ["cascade"]),
        .executable(name: "cascade-bench", targets: ["CascadeBench"]),
    ],
    targets: [
        // `squareRoot()` lowers to libm's sqrt (exact by IEEE-754); link it explicitly since
        // the kernel imports neither Foundation nor Glibc.
        .target(
            name: "CascadeKernel", linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux]))]
        ),
        .target(name: "CascadeCore"),
        .target(name: "CascadeChain", dependencies: ["CascadeKernel", "CascadeCore"]),
        // Contracts see time and prices only as arguments: no kernel, no Foundation.
        .target(name: "CascadeContracts", dependencies: ["CascadeCore"]),
        .target(
            name: "CascadeAgents",
            dependencies: ["CascadeKernel", "CascadeCore", "CascadeChain", "CascadeContracts"]),
        .target(
            name: "CascadeWorld",
            dependencies: [
                "CascadeKernel", "CascadeCore", "CascadeChain", "CascadeContracts", "CascadeAgents",
            ]),
        .target(name: "CascadeRun", dependencies: ["CascadeWorld", "CascadeKernel"]),
        .executableTarget(name: "cascade", dependencies: ["CascadeRun"]),
        .executableTarget(
            name: "CascadeBench",
            dependencies: [
                "CascadeKernel", "CascadeCore", "CascadeChain", "CascadeContracts", "CascadeAgents",
            ]),
        // Reference models (naive versions of contracts and the queue) and test helpers.
        .target(
            name: "CascadeTestSupport",
            dependencies: [
                "CascadeKernel", "CascadeCore", "CascadeChain", "CascadeContracts", "CascadeAgents",
            ]),
        .testTarget(
            name: "CascadeKernelTests", dependencies: ["CascadeKernel", "CascadeTestSupport"]),
        .testTarget(name: "CascadeCoreTests", dependencies: ["CascadeCore", "CascadeTestSupport"]),
        .testTarget(
            name: "CascadeChainTests",
            dependencies: [
                "CascadeChain", "CascadeCore", "CascadeKernel", "CascadeTestSupport",
                "CascadeAgents",
            ]),
        .testTarget(
            name: "CascadeContractsTests",
            dependencies: ["CascadeContracts", "CascadeCore", "CascadeTestSupport"]),
        .testTarget(
            name: "CascadeWorldTests",
            dependencies: ["CascadeWorld", "CascadeRun", "CascadeTestSupport"]),
        // End-to-end: runs the built `cascade` binary, which `swift build --build-tests`
        // builds beside the test bundle.
        .testTarget(name: "CascadeCLITests", dependencies: ["CascadeTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
