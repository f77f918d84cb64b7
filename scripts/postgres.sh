#!/usr/bin/env bash
# Install (Debian packages) and start a throw-away local PostgreSQL server for the tests.
# Sourced by scripts/test.sh: exports SYMBIOSE_TEST_POSTGRES_URL when the server is up.
# Placeholder until the API issue lands its storage layer.
true
