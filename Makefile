# The two commands of the README, plus helpers.
.PHONY: dev test events invoke reconcile

## Local stack: emulator, functions, sample events replayed, queue printed; serves until Ctrl-C.
dev:
	bash scripts/dev.sh

## Every test: fmt, clippy, unit, integration (emulator), end to end (HTTP), infra checks.
## The template is expanded and scanned first: tests/tests/infra_template.rs reads it.
## BROKERHOOKS_REQUIRE_STACK=1: a test that would skip for lack of what this starts fails.
test:
	bash scripts/infra-checks.sh scan
	BROKERHOOKS_REQUIRE_STACK=1 bash scripts/test.sh

## Re-sign events/<provider>/*.json from events/<provider>/payloads/ and events/<function>/local.env.
events:
	cargo run --quiet -p brokerhooks-testkit --bin sign-events

## One event to a function of a running `make dev`, through cargo lambda invoke from .venv:
## make invoke FUNCTION=kite EVENT=events/kite/03-complete.json (README, "The two commands").
invoke:
	@bash scripts/invoke.sh "$(FUNCTION)" "$(EVENT)"

## One run of the Kite reconciler against a running `make dev` (README, "Missed postbacks:
## reconciliation"): prints what it recovered.
reconcile:
	@bash scripts/reconcile.sh
