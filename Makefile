# Stint's two commands. Everything else is in scripts/.
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/stint-target
export CARGO_BUILD_JOBS ?= 2

.PHONY: demo test install
demo: install
	@scripts/demo.sh

test: install
	@scripts/test.sh

install:
	@scripts/install.sh
