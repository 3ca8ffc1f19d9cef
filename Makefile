# The two commands: `make run` and `make test`. Both install what they need (scripts/tools.sh).
.PHONY: run test tools stop fmt lint

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

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
