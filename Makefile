# The two commands: `make run` and `make test`. Both install what they need (scripts/tools.sh).
.PHONY: run test unit fuzz call check-infra package bench tools stop fmt lint

run:
	bash scripts/run.sh

# Unit tests: the domain, the use cases and the HTTP edge over the in-memory adapters. Needs
# only a Rust toolchain; seconds once built.
unit:
	cargo test --lib --bins

# The hostile-input properties (src/http/hostile_tests.rs, src/contact_flow_hostile_tests.rs)
# at length, from a random seed:
# FUZZ_CASES (default 20000) cases each. `make test` runs 256 from a fixed seed.
fuzz:
	HOSTILE_RANDOM=1 PROPTEST_CASES=$${FUZZ_CASES:-20000} cargo test --lib hostile -- --nocapture

# Unit tests, then the integration tests against the local stack, then the infra checks.
test: unit
	bash scripts/test.sh
	bash scripts/check-infra.sh

# The SAM template and the Terraform module, checked offline (part of `make test`).
check-infra:
	bash scripts/check-infra.sh

# The four deployable zips (api, dialer, verifier, sweeper), arm64, with their sizes.
package:
	bash scripts/package.sh

# Answer the newest verification call of the demo tenant while `make run` runs
# (REQUEST_ID=... for another request).
call:
	bash scripts/call.sh

# Latency and throughput figures against the local stack (release build).
bench:
	bash scripts/bench.sh

tools:
	bash scripts/tools.sh

# Stops stand-ins left behind by an interrupted run or test.
stop:
	bash scripts/stack.sh stop run
	bash scripts/stack.sh stop test

fmt:
	cargo fmt --all

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
