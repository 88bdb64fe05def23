# The two commands of the README, plus helpers.
.PHONY: dev test events

## Local stack: emulator, functions, sample events replayed, queue printed; serves until Ctrl-C.
dev:
	bash scripts/dev.sh

## Every test: fmt, clippy, unit, integration (emulator), end to end (HTTP).
test:
	bash scripts/test.sh

## Re-sign events/<provider>/*.json from events/<provider>/payloads/ and events/local.env.
events:
	cargo run --quiet -p brokerhooks-testkit --bin sign-events
