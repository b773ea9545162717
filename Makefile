# Roster — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help tools web run demo test bench soak fuzz screenshots clean

help: ## Show the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  make %-7s %s\n", $$1, $$2 }'

tools: ## Install what the build needs (idempotent; first time 20-40 minutes)
	@scripts/install-tools.sh

web: tools ## Build the web app into dist/
	@scripts/build-web.sh

run: web ## Build everything and serve it at http://127.0.0.1:8080 (SQLite in ./data)
	@printf '\n\033[1;34m==>\033[0m \033[1mBuilding the server (release)\033[0m\n'
	@cargo build --release --locked -p roster-backend
	@printf '\n\033[1;34m==>\033[0m \033[1mStarting Roster on http://127.0.0.1:8080 (Ctrl-C stops it)\033[0m\n'
	@./target/release/roster serve

demo: web ## Try Roster with a demo organisation (fresh data/demo.db; DEMO_PEOPLE=40)
	@printf '\n\033[1;34m==>\033[0m \033[1mBuilding the server (release)\033[0m\n'
	@cargo build --release --locked -p roster-backend
	@rm -f data/demo.db data/demo.db-wal data/demo.db-shm
	@./target/release/roster demo --people $${DEMO_PEOPLE:-40} --database-url sqlite://data/demo.db
	@./target/release/roster serve --database-url sqlite://data/demo.db

test: ## Run every check and test (fmt, clippy, unit, API on SQLite and PostgreSQL, browser)
	@scripts/test.sh

bench: web ## Measure: SPA transfer size, API throughput, latency and memory (bench/)
	@scripts/bench.sh

soak: web ## Load: 200 clients for 60 s on SQLite and on PostgreSQL with two replicas
	@scripts/soak.sh

fuzz: ## Fuzz the API (schemathesis, FUZZ_SECONDS=300), then every parser (cargo fuzz, FUZZ_TARGET_SECONDS=60)
	@scripts/fuzz.sh

screenshots: web ## Save a screenshot of every screen into target/screenshots/
	@cargo test -p roster-tests --test browser -- --ignored screenshots

clean: ## Remove build output (keeps the installed tools and ./data)
	cargo clean
	rm -rf dist
