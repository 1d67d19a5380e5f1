#!/usr/bin/env bash
# Fails when simulation code reaches for the wall clock or system randomness, or when the
# contracts import the kernel or Foundation (docs/determinism.md, rules 1-3 and purity).
# Usage: .ci/check-determinism.sh DIR...
set -euo pipefail
status=0
forbidden='\bDate\(\)|Date\.now|\bDate\(timeIntervalSince|ContinuousClock|SuspendingClock|DispatchTime\.now|ProcessInfo\.processInfo\.systemUptime|SystemRandomNumberGenerator|\.random\(in:|\.randomElement\(\)|\.shuffled\(\)|\.shuffle\(\)|arc4random|drand48|\brand\(\)|\.hashValue\b|gettimeofday|clock_gettime'
# Comment lines (documentation that names what is forbidden) are not code.
if hits=$(grep -rnE "$forbidden" "$@" --include='*.swift' | grep -vE '^[^:]+:[0-9]+:\s*//' | grep -v '// determinism: allowed'); then
  echo "determinism: wall clock, system randomness or hashValue in simulation code:" >&2
  echo "$hits" >&2
  status=1
fi
if hits=$(grep -rnE '^\s*import\s+(Foundation|FoundationEssentials|CascadeKernel|Glibc|Darwin)\b' Sources/CascadeContracts Sources/CascadeCore --include='*.swift'); then
  echo "determinism: contracts and the core must import neither Foundation nor the kernel:" >&2
  echo "$hits" >&2
  status=1
fi
if [ "$status" -eq 0 ]; then
  echo "determinism: ok ($(find "$@" -name '*.swift' | wc -l) files checked)"
fi
exit "$status"
