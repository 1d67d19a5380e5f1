// Kernel: see docs/architecture.md.
